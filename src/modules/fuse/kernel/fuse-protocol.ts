/**
 * The FUSE kernel protocol's numbers, from the kernel's include/uapi/linux/fuse.h. Debian bookworm's installed header
 * stops at 7.38; what came later (7.39 statx, 7.40 passthrough) is defined here too, so this is the one place for them.
 */

export const FUSE_KERNEL_VERSION = 7;
/** The newest minor version this transport speaks; the kernel's own may be newer (6.18 offers 45). */
export const FUSE_MAX_MINOR = 38;
/** The oldest the transport accepts: readdirplus, max_pages and the structure sizes used here. */
export const FUSE_MIN_MINOR = 28;

export enum FuseOpcode {
  Lookup = 1,
  Forget = 2,
  GetAttr = 3,
  SetAttr = 4,
  ReadLink = 5,
  Symlink = 6,
  MkNod = 8,
  MkDir = 9,
  Unlink = 10,
  RmDir = 11,
  Rename = 12,
  Link = 13,
  Open = 14,
  Read = 15,
  Write = 16,
  StatFs = 17,
  Release = 18,
  Fsync = 20,
  SetXattr = 21,
  GetXattr = 22,
  ListXattr = 23,
  RemoveXattr = 24,
  Flush = 25,
  Init = 26,
  OpenDir = 27,
  ReadDir = 28,
  ReleaseDir = 29,
  FsyncDir = 30,
  GetLk = 31,
  SetLk = 32,
  SetLkW = 33,
  Access = 34,
  Create = 35,
  Interrupt = 36,
  Bmap = 37,
  Destroy = 38,
  Ioctl = 39,
  Poll = 40,
  NotifyReply = 41,
  BatchForget = 42,
  Fallocate = 43,
  ReadDirPlus = 44,
  Rename2 = 45,
  Lseek = 46,
  CopyFileRange = 47,
  SetupMapping = 48,
  RemoveMapping = 49,
  SyncFs = 50,
  TmpFile = 51,
  Statx = 52,
}

/** Notifications the filesystem sends unasked (fuse_out_header.error carries the code, unique is 0). */
export enum NotifyCode {
  InvalInode = 2,
  InvalEntry = 3,
}

/** INIT flags (fuse_init_in.flags / fuse_init_out.flags). */
export const InitFlag = {
  ASYNC_READ: 1 << 0,
  POSIX_LOCKS: 1 << 1,
  ATOMIC_O_TRUNC: 1 << 3,
  EXPORT_SUPPORT: 1 << 4,
  BIG_WRITES: 1 << 5,
  DONT_MASK: 1 << 6,
  FLOCK_LOCKS: 1 << 10,
  AUTO_INVAL_DATA: 1 << 12,
  DO_READDIRPLUS: 1 << 13,
  READDIRPLUS_AUTO: 1 << 14,
  ASYNC_DIO: 1 << 15,
  WRITEBACK_CACHE: 1 << 16,
  PARALLEL_DIROPS: 1 << 18,
  MAX_PAGES: 1 << 22,
  CACHE_SYMLINKS: 1 << 23,
  /** fuse_init_in/out.flags2 carry flags 32–63. */
  INIT_EXT: 1 << 30,
} as const;

/** INIT flags 32–63, as fuse_init_in.flags2 / fuse_init_out.flags2 hold them (bit n here is flag 32 + n). */
export const InitFlag2 = {
  /** FUSE_PASSTHROUGH (7.40): opens may name a backing file the kernel reads and writes itself. */
  PASSTHROUGH: 1 << 5,
} as const;

/**
 * How deep the backing files' filesystems may be stacked: 2 lets them live on overlayfs (a container's root), at the
 * price of this mount not being a lower layer of another overlayfs (the kernel's limit is 2).
 */
export const PASSTHROUGH_MAX_STACK_DEPTH = 2;

/** fuse_setattr_in.valid */
export const SetAttrValid = {
  MODE: 1 << 0,
  UID: 1 << 1,
  GID: 1 << 2,
  SIZE: 1 << 3,
  ATIME: 1 << 4,
  MTIME: 1 << 5,
  FH: 1 << 6,
  ATIME_NOW: 1 << 7,
  MTIME_NOW: 1 << 8,
  LOCKOWNER: 1 << 9,
  CTIME: 1 << 10,
} as const;

/** fuse_open_out.open_flags */
export const OpenOutFlag = {
  DIRECT_IO: 1 << 0,
  KEEP_CACHE: 1 << 1,
  NONSEEKABLE: 1 << 2,
  CACHE_DIR: 1 << 3,
  /** The kernel reads and writes the file through the backing file named by fuse_open_out.backing_id. */
  PASSTHROUGH: 1 << 7,
} as const;

export const GETATTR_FH = 1 << 0;
/** renameat2(2) flags, as RENAME2 carries them. */
export const RENAME_NOREPLACE = 1 << 0;
export const RENAME_EXCHANGE = 1 << 1;
export const FSYNC_FDATASYNC = 1 << 0;

/** Structure sizes (bytes) at the protocol version this transport speaks. */
export const Size = {
  IN_HEADER: 40,
  OUT_HEADER: 16,
  ATTR: 88,
  ENTRY_OUT: 40 + 88,
  ATTR_OUT: 16 + 88,
  OPEN_OUT: 16,
  WRITE_OUT: 8,
  STATFS_OUT: 80,
  GETXATTR_OUT: 8,
  INIT_OUT: 64,
  DIRENT_HEADER: 24,
  WRITE_IN: 40,
  READ_IN: 40,
  SETATTR_IN: 88,
} as const;

/** The largest read or write the transport negotiates: max_pages × 4 KiB. */
export const MAX_PAGES = 256;
export const MAX_WRITE = MAX_PAGES * 4096;
/** A request buffer must hold the largest write plus its headers; the kernel refuses smaller reads of the device. */
export const REQUEST_BUFFER_SIZE = MAX_WRITE + 4096;

/** Directory entry types (d_type). */
export const DT_FIFO = 1;
export const DT_CHR = 2;
export const DT_DIR = 4;
export const DT_BLK = 6;
export const DT_REG = 8;
export const DT_LNK = 10;
export const DT_SOCK = 12;
export const DT_UNKNOWN = 0;

export const S_IFMT = 0o170000;
export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFDIR = 0o040000;
export const S_IFBLK = 0o060000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFSOCK = 0o140000;

export const MS_RDONLY = 1;
export const MS_NOSUID = 2;
export const MS_NODEV = 4;
