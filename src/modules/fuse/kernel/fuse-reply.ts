import type { FileAttr, FileKind, FsStats } from '../interfaces/file-attr.interface';
import {
  DT_BLK,
  DT_CHR,
  DT_DIR,
  DT_FIFO,
  DT_LNK,
  DT_REG,
  DT_SOCK,
  DT_UNKNOWN,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFREG,
  S_IFSOCK,
  Size,
} from './fuse-protocol';

/** How long the kernel may keep an answer: whole seconds and nanoseconds, as the protocol carries it. */
export interface Validity {
  seconds: number;
  nanoseconds: number;
}

export function validity(seconds: number): Validity {
  const whole = Math.floor(seconds);
  return { seconds: whole, nanoseconds: Math.round((seconds - whole) * 1e9) };
}

export function outHeader(unique: bigint, error: number, bodyLength: number): Buffer {
  const header = Buffer.allocUnsafe(Size.OUT_HEADER);
  header.writeUInt32LE(Size.OUT_HEADER + bodyLength, 0);
  header.writeInt32LE(error, 4);
  header.writeBigUInt64LE(unique, 8);
  return header;
}

const TYPE_BITS: Record<FileKind, number> = {
  file: S_IFREG,
  dir: S_IFDIR,
  symlink: S_IFLNK,
  fifo: S_IFIFO,
  socket: S_IFSOCK,
  char: S_IFCHR,
  block: S_IFBLK,
};
const DIRENT_TYPES: Record<FileKind, number> = {
  file: DT_REG,
  dir: DT_DIR,
  symlink: DT_LNK,
  fifo: DT_FIFO,
  socket: DT_SOCK,
  char: DT_CHR,
  block: DT_BLK,
};

export function direntType(kind: FileKind | undefined): number {
  return kind ? DIRENT_TYPES[kind] : DT_UNKNOWN;
}

/** fuse_attr at `offset`. */
function writeAttr(buffer: Buffer, offset: number, attr: FileAttr): void {
  buffer.writeBigUInt64LE(BigInt(attr.ino), offset);
  buffer.writeBigUInt64LE(BigInt(Math.max(0, Math.trunc(attr.size))), offset + 8);
  buffer.writeBigUInt64LE(BigInt(Math.max(0, Math.trunc(attr.blocks))), offset + 16);
  writeTime(buffer, offset + 24, offset + 48, attr.atime, attr.atimeNsec);
  writeTime(buffer, offset + 32, offset + 52, attr.mtime, attr.mtimeNsec);
  writeTime(buffer, offset + 40, offset + 56, attr.ctime, attr.ctimeNsec);
  buffer.writeUInt32LE((TYPE_BITS[attr.kind] | (attr.perm & 0o7777)) >>> 0, offset + 60);
  buffer.writeUInt32LE(attr.nlink >>> 0, offset + 64);
  buffer.writeUInt32LE(attr.uid >>> 0, offset + 68);
  buffer.writeUInt32LE(attr.gid >>> 0, offset + 72);
  buffer.writeUInt32LE((attr.rdev ?? 0) >>> 0, offset + 76);
  buffer.writeUInt32LE((attr.blksize ?? 4096) >>> 0, offset + 80);
  buffer.writeUInt32LE(0, offset + 84); // flags
}

/** Seconds (signed 64-bit) and nanoseconds of a Date, which holds milliseconds, or of its second and `nanoseconds`. */
function writeTime(buffer: Buffer, secondsAt: number, nanosAt: number, time: Date, nanoseconds?: number): void {
  const ms = time.getTime();
  const valid = Number.isFinite(ms) ? ms : 0;
  const seconds = Math.floor(valid / 1000);
  const precise = nanoseconds !== undefined && Number.isInteger(nanoseconds) && nanoseconds >= 0 && nanoseconds < 1e9;
  buffer.writeBigInt64LE(BigInt(seconds), secondsAt);
  buffer.writeUInt32LE(precise ? nanoseconds : Math.round((valid - seconds * 1000) * 1e6), nanosAt);
}

function writeEntry(buffer: Buffer, offset: number, attr: FileAttr, entry: Validity, attrValid: Validity): void {
  buffer.writeBigUInt64LE(BigInt(attr.ino), offset);
  buffer.writeBigUInt64LE(BigInt(attr.generation ?? 0), offset + 8);
  buffer.writeBigUInt64LE(BigInt(entry.seconds), offset + 16);
  buffer.writeBigUInt64LE(BigInt(attrValid.seconds), offset + 24);
  buffer.writeUInt32LE(entry.nanoseconds, offset + 32);
  buffer.writeUInt32LE(attrValid.nanoseconds, offset + 36);
  writeAttr(buffer, offset + 40, attr);
}

export function entryOut(attr: FileAttr, entry: Validity, attrValid: Validity): Buffer {
  const body = Buffer.alloc(Size.ENTRY_OUT);
  writeEntry(body, 0, attr, entry, attrValid);
  return body;
}

export function attrOut(attr: FileAttr, valid: Validity): Buffer {
  const body = Buffer.alloc(Size.ATTR_OUT);
  body.writeBigUInt64LE(BigInt(valid.seconds), 0);
  body.writeUInt32LE(valid.nanoseconds, 8);
  writeAttr(body, 16, attr);
  return body;
}

/** fuse_notify_inval_inode_out: drop `ino`'s attributes and its cached pages from `offset` (length 0: to the end). */
export function invalInodeOut(ino: number, offset: number, length: number): Buffer {
  const body = Buffer.alloc(24);
  body.writeBigUInt64LE(BigInt(ino), 0);
  body.writeBigInt64LE(BigInt(offset), 8);
  body.writeBigInt64LE(BigInt(length), 16);
  return body;
}

/** fuse_notify_inval_entry_out and the name: drop the kernel's entry for `name` in `parent`. */
export function invalEntryOut(parent: number, name: string): Buffer {
  const nameBytes = Buffer.from(name);
  const body = Buffer.alloc(16 + nameBytes.length + 1);
  body.writeBigUInt64LE(BigInt(parent), 0);
  body.writeUInt32LE(nameBytes.length, 8);
  nameBytes.copy(body, 16);
  return body;
}

/** `backingId`: the backing file of a passthrough open (OpenOutFlag.PASSTHROUGH), registered with the connection. */
export function openOut(fh: number, openFlags: number, backingId = 0): Buffer {
  const body = Buffer.alloc(Size.OPEN_OUT);
  body.writeBigUInt64LE(BigInt(fh), 0);
  body.writeUInt32LE(openFlags >>> 0, 8);
  body.writeInt32LE(backingId, 12);
  return body;
}

export function lseekOut(offset: number): Buffer {
  const body = Buffer.alloc(8);
  body.writeBigUInt64LE(BigInt(offset), 0);
  return body;
}

export function writeOut(size: number): Buffer {
  const body = Buffer.alloc(Size.WRITE_OUT);
  body.writeUInt32LE(size >>> 0, 0);
  return body;
}

/** fuse_getxattr_out: the size a value (or a name list) needs, answered when the caller asked with size 0. */
export function xattrSizeOut(size: number): Buffer {
  const body = Buffer.alloc(Size.GETXATTR_OUT);
  body.writeUInt32LE(size >>> 0, 0);
  return body;
}

export function statfsOut(stats: FsStats): Buffer {
  const body = Buffer.alloc(Size.STATFS_OUT);
  const u64 = (value: number, at: number): void => void body.writeBigUInt64LE(BigInt(Math.max(0, Math.trunc(value))), at);
  u64(stats.blocks, 0);
  u64(stats.bfree, 8);
  u64(stats.bavail, 16);
  u64(stats.files, 24);
  u64(stats.ffree, 32);
  body.writeUInt32LE(stats.bsize >>> 0, 40);
  body.writeUInt32LE(stats.namelen >>> 0, 44);
  body.writeUInt32LE(stats.bsize >>> 0, 48); // frsize
  return body;
}

export interface InitReply {
  minor: number;
  maxReadahead: number;
  flags: number;
  maxBackground: number;
  congestionThreshold: number;
  maxWrite: number;
  timeGranularity: number;
  maxPages: number;
  /** Flags 32–63 (fuse_init_out.flags2); sent when flags has INIT_EXT. */
  flags2?: number;
  /** With passthrough: how deeply stacked the backing files' filesystems may be. */
  maxStackDepth?: number;
}

export function initOut(reply: InitReply): Buffer {
  const body = Buffer.alloc(Size.INIT_OUT);
  body.writeUInt32LE(7, 0);
  body.writeUInt32LE(reply.minor, 4);
  body.writeUInt32LE(reply.maxReadahead >>> 0, 8);
  body.writeUInt32LE(reply.flags >>> 0, 12);
  body.writeUInt16LE(reply.maxBackground, 16);
  body.writeUInt16LE(reply.congestionThreshold, 18);
  body.writeUInt32LE(reply.maxWrite >>> 0, 20);
  body.writeUInt32LE(reply.timeGranularity >>> 0, 24);
  body.writeUInt16LE(reply.maxPages, 28);
  body.writeUInt32LE((reply.flags2 ?? 0) >>> 0, 32);
  body.writeUInt32LE(reply.maxStackDepth ?? 0, 36);
  return body;
}

/**
 * A READDIR or READDIRPLUS reply being filled: records are 8-byte aligned, and the kernel's buffer (`capacity`) takes
 * only whole ones, so {@link add} says when the next one no longer fits.
 */
export class DirentBuffer {
  private readonly buffer: Buffer;
  private length = 0;

  constructor(
    capacity: number,
    private readonly plus: boolean,
  ) {
    this.buffer = Buffer.alloc(capacity);
  }

  /**
   * Appends one entry; `entry` (READDIRPLUS only) gives it attributes and makes the kernel count a lookup of it.
   * False when it does not fit.
   */
  add(ino: number, name: string, type: number, offset: number, entry?: { attr: FileAttr; entry: Validity; attrValid: Validity }): boolean {
    const nameLength = Buffer.byteLength(name);
    const head = (this.plus ? Size.ENTRY_OUT : 0) + Size.DIRENT_HEADER;
    const record = align8(head + nameLength);
    if (this.length + record > this.buffer.length) return false;
    const at = this.length;
    if (this.plus && entry) writeEntry(this.buffer, at, entry.attr, entry.entry, entry.attrValid);
    // Without attributes a READDIRPLUS entry has nodeid 0: the kernel lists the name and looks it up when used.
    const dirent = at + (this.plus ? Size.ENTRY_OUT : 0);
    this.buffer.writeBigUInt64LE(BigInt(ino), dirent);
    this.buffer.writeBigUInt64LE(BigInt(offset), dirent + 8);
    this.buffer.writeUInt32LE(nameLength, dirent + 16);
    this.buffer.writeUInt32LE(type, dirent + 20);
    this.buffer.write(name, dirent + 24, 'utf8');
    this.length += record;
    return true;
  }

  get empty(): boolean {
    return this.length === 0;
  }

  contents(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

function align8(value: number): number {
  return (value + 7) & ~7;
}
