import { constants } from 'node:fs';
import type { FileKind } from '../../fuse';
import type { ObjectMetadata } from '../store/s3-object.store';

/** What object metadata says about a file, in the keys s3fs uses, so buckets written by either tool read the same. */
export interface PosixMetadata {
  kind?: FileKind;
  perm?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
  /** A symlink's target, when it is kept in metadata (the object is then empty). */
  target?: string;
}

/**
 * Longest symlink target also kept in metadata (S3 allows 2 KiB of user metadata in all), so a HEAD gives it without a
 * GET. Every symlink keeps its target in the object's body too, as s3fs does.
 */
export const MAX_METADATA_TARGET = 1024;

/** Longest symlink target Linux allows (PATH_MAX - 1): a listed object no larger than this may be a symlink. */
export const MAX_SYMLINK_BYTES = 4095;

const TYPE_MASK = constants.S_IFMT;

export function decodeMetadata(metadata: ObjectMetadata): PosixMetadata {
  const out: PosixMetadata = {};
  const mode = integer(metadata.mode);
  if (mode !== undefined) {
    const type = mode & TYPE_MASK;
    if (type === constants.S_IFLNK) out.kind = 'symlink';
    else if (type === constants.S_IFDIR) out.kind = 'dir';
    else if (type === constants.S_IFREG) out.kind = 'file';
    out.perm = mode & 0o7777;
  }
  out.uid = integer(metadata.uid);
  out.gid = integer(metadata.gid);
  if (metadata['symlink-target'] !== undefined) {
    try {
      out.target = decodeURIComponent(metadata['symlink-target']);
    } catch {
      out.target = undefined;
    }
  }
  const seconds = Number(metadata.mtime);
  if (metadata.mtime !== undefined && Number.isFinite(seconds)) out.mtime = new Date(Math.round(seconds * 1000));
  return out;
}

export function encodeMetadata(kind: FileKind, meta: PosixMetadata): ObjectMetadata {
  const typeBits = kind === 'symlink' ? constants.S_IFLNK : kind === 'dir' ? constants.S_IFDIR : constants.S_IFREG;
  const out: ObjectMetadata = {};
  if (meta.perm !== undefined) out.mode = String(typeBits | (meta.perm & 0o7777));
  if (meta.uid !== undefined) out.uid = String(meta.uid);
  if (meta.gid !== undefined) out.gid = String(meta.gid);
  if (meta.mtime !== undefined) out.mtime = (meta.mtime.getTime() / 1000).toFixed(3).replace(/\.?0+$/, '');
  if (meta.target !== undefined) out['symlink-target'] = encodeURIComponent(meta.target);
  return out;
}

function integer(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}
