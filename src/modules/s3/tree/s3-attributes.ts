import type { FileAttr, Ino, RequestContext, SetAttrChanges } from '../../fuse';
import { decodeMetadata, encodeMetadata, PosixMetadata } from './s3-metadata';
import { defaultPerm, type ResolvedS3Options } from '../s3-module-options.interface';
import type { S3Node } from './s3-tree';

/**
 * POSIX attributes on S3: what a node shows (its stored mode and owner, or the mount's defaults), and the object
 * metadata that stores them, for new objects and for changes (chmod, chown, utimes).
 */
export class S3Attributes {
  constructor(private readonly options: ResolvedS3Options) {}

  /** The attributes `node` shows as inode `ino`. */
  of(ino: Ino, node: S3Node): FileAttr {
    const perm = node.meta.perm ?? defaultPerm(node.kind, this.options);
    return {
      ino,
      size: node.size,
      blocks: Math.ceil(node.size / 512),
      atime: node.mtime,
      mtime: node.mtime,
      ctime: node.mtime,
      kind: node.kind,
      perm,
      nlink: node.kind === 'dir' ? 2 : 1,
      uid: node.meta.uid ?? this.options.uid,
      gid: node.meta.gid ?? this.options.gid,
    };
  }

  /** What a new object stores: its mode unless it is the default file mode, and its owner when that is its caller. */
  forNew(kind: S3Node['kind'], perm: number, context?: RequestContext): Record<string, string> {
    const owner =
      context?.known && (context.uid !== this.options.uid || context.gid !== this.options.gid) ? { uid: context.uid, gid: context.gid } : {};
    return encodeMetadata(kind, { ...(perm === defaultPerm(kind, this.options) && kind === 'file' ? {} : { perm }), ...owner });
  }

  /** `current` object metadata with `changes` applied; metadata of other tools is kept. */
  merged(kind: S3Node['kind'], current: Record<string, string>, changes: SetAttrChanges): Record<string, string> {
    const meta: PosixMetadata = { ...decodeMetadata(current) };
    if (changes.mode !== undefined) meta.perm = changes.mode & 0o7777;
    // A directory's or a symlink's object always stores its mode: the one it showed until now, unless this sets one.
    else if (kind !== 'file') meta.perm ??= defaultPerm(kind, this.options);
    if (changes.uid !== undefined) meta.uid = changes.uid;
    if (changes.gid !== undefined) meta.gid = changes.gid;
    if (changes.mtime !== undefined) meta.mtime = changes.mtime;
    const others = Object.fromEntries(Object.entries(current).filter(([name]) => !['mode', 'uid', 'gid', 'mtime'].includes(name)));
    return { ...others, ...encodeMetadata(kind, meta) };
  }
}
