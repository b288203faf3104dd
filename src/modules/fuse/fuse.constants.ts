/** Every operation a filesystem can implement, one decorator each. */
export enum FuseOp {
  Lookup = 'lookup',
  GetAttr = 'getattr',
  ReadDir = 'readdir',
  Open = 'open',
  Read = 'read',
  Release = 'release',
  Create = 'create',
  Write = 'write',
  Flush = 'flush',
  Fsync = 'fsync',
  SetAttr = 'setattr',
  MkDir = 'mkdir',
  Unlink = 'unlink',
  RmDir = 'rmdir',
  Rename = 'rename',
  Symlink = 'symlink',
  ReadLink = 'readlink',
  Link = 'link',
  StatFs = 'statfs',
  Access = 'access',
  GetXattr = 'getxattr',
  SetXattr = 'setxattr',
  ListXattr = 'listxattr',
  RemoveXattr = 'removexattr',
  OpenDir = 'opendir',
  ReleaseDir = 'releasedir',
  Forget = 'forget',
  MkNod = 'mknod',
  Fallocate = 'fallocate',
  Lseek = 'lseek',
  CopyFileRange = 'copyfilerange',
  Exchange = 'exchange',
}

export const REQUIRED_OPS: readonly FuseOp[] = [FuseOp.Lookup, FuseOp.GetAttr, FuseOp.ReadDir, FuseOp.Read];

/** Ops that change the filesystem; a filesystem with none of them mounts read-only. */
export const WRITE_OPS: readonly FuseOp[] = [
  FuseOp.Create,
  FuseOp.Write,
  FuseOp.SetAttr,
  FuseOp.MkDir,
  FuseOp.MkNod,
  FuseOp.Fallocate,
  FuseOp.CopyFileRange,
  FuseOp.Exchange,
  FuseOp.Unlink,
  FuseOp.RmDir,
  FuseOp.Rename,
  FuseOp.Symlink,
  FuseOp.Link,
  FuseOp.SetXattr,
  FuseOp.RemoveXattr,
];

export const FUSE_FILESYSTEM_METADATA = 'nestjs-fuse:filesystem';
export const FUSE_OP_METADATA = 'nestjs-fuse:ops';

/** The inode number of a filesystem's root directory, as in the FUSE protocol. */
export const ROOT_INO = 1;

export const DEFAULT_DEADLINE_MS = 30_000;
export const DEFAULT_ENTRY_TTL_MS = 1_000;
export const DEFAULT_ATTR_TTL_MS = 1_000;
export const NAME_MAX_BYTES = 255;
