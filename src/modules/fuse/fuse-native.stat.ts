import { constants } from 'node:fs';
import type { FileAttr, FileKind, FsStats } from './interfaces/file-attr.interface';

/** The stat object fuse-native serializes (times in ms). */
export interface NativeStat {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  nlink: number;
  ino: number;
  blksize: number;
  blocks: number;
  atime: number;
  mtime: number;
  ctime: number;
}

/** The statvfs object fuse-native serializes; every field is a uint32. */
export interface NativeStatFs {
  bsize: number;
  frsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
  favail: number;
  fsid: number;
  flag: number;
  namemax: number;
}

const TYPE_BITS: Record<FileKind, number> = {
  file: constants.S_IFREG,
  dir: constants.S_IFDIR,
  symlink: constants.S_IFLNK,
  fifo: constants.S_IFIFO,
  socket: constants.S_IFSOCK,
  char: constants.S_IFCHR,
  block: constants.S_IFBLK,
};

const UINT32_MAX = 0xffff_ffff;

/** `ino` is the number fuse-native can carry for `attr.ino` (see FuseNativeInodeNumbers). */
export function toNativeStat(attr: FileAttr, ino: number = attr.ino): NativeStat {
  return {
    mode: TYPE_BITS[attr.kind] | (attr.perm & 0o7777),
    uid: attr.uid,
    gid: attr.gid,
    size: attr.size,
    nlink: attr.nlink,
    ino,
    blksize: attr.blksize ?? 4096,
    blocks: attr.blocks,
    atime: attr.atime.getTime(),
    mtime: attr.mtime.getTime(),
    ctime: attr.ctime.getTime(),
  };
}

/**
 * The wire form fuse-native's native side reads for a stat: 18 uint32 (64-bit values as low/high pairs, times in ms).
 * Its JS side builds this itself for getattr; the adapter's own fgetattr must build it too.
 */
export function toNativeStatArray(stat: NativeStat): Uint32Array {
  const ints = new Uint32Array(18);
  const pair = (index: number, value: number): void => {
    ints[index] = value % 0x1_0000_0000;
    ints[index + 1] = Math.floor(value / 0x1_0000_0000);
  };
  ints[0] = stat.mode;
  ints[1] = stat.uid;
  ints[2] = stat.gid;
  pair(3, stat.size);
  ints[5] = 0;
  ints[6] = stat.nlink;
  ints[7] = stat.ino;
  ints[8] = 0;
  ints[9] = stat.blksize;
  pair(10, stat.blocks);
  pair(12, stat.atime);
  pair(14, stat.mtime);
  pair(16, stat.ctime);
  return ints;
}

/**
 * A readdir entry known only by its type and inode. Its link count of 0 tells the patched binding that these are not
 * attributes to answer a lookup with (see scripts/build-fuse-native.js).
 */
export function toNativeDirentStat(ino: number, kind: FileKind | undefined): NativeStat {
  return { mode: kind ? TYPE_BITS[kind] : 0, uid: 0, gid: 0, size: 0, nlink: 0, ino, blksize: 0, blocks: 0, atime: 0, mtime: 0, ctime: 0 };
}

/**
 * fuse-native carries statvfs counts as uint32, so a large filesystem (an S3 bucket reports petabytes) is expressed
 * with a bigger fragment size until its block count fits.
 */
export function toNativeStatFs(stats: FsStats): NativeStatFs {
  let { bsize, blocks, bfree, bavail } = stats;
  while (blocks > UINT32_MAX && bsize < 2 ** 30) {
    bsize *= 2;
    blocks = Math.floor(blocks / 2);
    bfree = Math.floor(bfree / 2);
    bavail = Math.floor(bavail / 2);
  }
  const clamp = (value: number): number => Math.min(UINT32_MAX, Math.max(0, Math.floor(value)));
  return {
    bsize: clamp(bsize),
    frsize: clamp(bsize),
    blocks: clamp(blocks),
    bfree: clamp(bfree),
    bavail: clamp(bavail),
    files: clamp(stats.files),
    ffree: clamp(stats.ffree),
    favail: clamp(stats.ffree),
    fsid: 0,
    flag: 0,
    namemax: clamp(stats.namelen),
  };
}
