/** An inode number. The root directory is always {@link ROOT_INO} (1). */
export type Ino = number;

/** A file-handle number chosen by the filesystem in `open`/`create`/`opendir`. */
export type Fh = number;

/** `fifo`, `socket`, `char` and `block` are special files: named pipes, Unix sockets and device nodes. */
export type FileKind = 'file' | 'dir' | 'symlink' | 'fifo' | 'socket' | 'char' | 'block';

/** Attributes of one inode, as `stat(2)` shows them. */
export interface FileAttr {
  ino: Ino;
  /** Size in bytes (for a symlink: the length of its target). */
  size: number;
  /** 512-byte blocks allocated. */
  blocks: number;
  atime: Date;
  mtime: Date;
  ctime: Date;
  kind: FileKind;
  /** Permission bits only (e.g. `0o644`); the file type comes from `kind`. */
  perm: number;
  nlink: number;
  uid: number;
  gid: number;
  /** Preferred I/O size; 4096 when omitted. */
  blksize?: number;
  /** The device a `char` or `block` special file stands for (Linux's encoding of major and minor); 0 when omitted. */
  rdev?: number;
  /**
   * The nanoseconds within each time's second, when the filesystem knows them: more precise than the Dates'
   * milliseconds (the kernel transport passes them on; fuse-native carries milliseconds).
   */
  atimeNsec?: number;
  mtimeNsec?: number;
  ctimeNsec?: number;
  /**
   * Tells this file from earlier files that had the same inode number (a number reused after a delete): the pair
   * (ino, generation) must never name two files in one mount's life. NFS file handles of the mount carry it (kernel
   * transport); 0 when omitted.
   */
  generation?: number;
}

/** The answer to `lookup`, `mkdir`, `symlink`, `link` and `create`. */
export interface Entry {
  attr: FileAttr;
  /** How long the name → inode mapping may be cached; the module's default when omitted. */
  entryTtlMs?: number;
  /** How long `attr` may be cached; the module's default when omitted. */
  attrTtlMs?: number;
}

/** One directory entry returned by `readdir`. */
export interface DirEntry {
  ino: Ino;
  name: string;
  /** The entry's type; omit it when the listing cannot tell (callers then stat the entry, as for DT_UNKNOWN). */
  kind?: FileKind;
  /** The offset to pass to the next `readdir` call to continue after this entry. */
  offset: number;
  /** Attributes of the entry; when given, `ls -l` and `find` need no extra `getattr` per entry. */
  attr?: FileAttr;
}

export interface OpenReply {
  fh: Fh;
  /**
   * A descriptor of a local file that holds this file's contents. On the kernel transport (Linux 6.9 or newer, the
   * daemon with CAP_SYS_ADMIN, the `passthrough` mount option on) the kernel then reads, writes and maps the file
   * through it directly, without asking the read and write handlers; elsewhere it is ignored. The handler still owns
   * the descriptor and closes it at release. Attributes stay the handlers': `getattr` must report what the file holds.
   */
  passthrough?: number;
}

export interface CreateReply {
  entry: Entry;
  fh: Fh;
  /** As {@link OpenReply.passthrough}. */
  passthrough?: number;
}

/** The attributes `setattr` should change; absent fields stay as they are. */
export interface SetAttrChanges {
  size?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  atime?: Date;
  mtime?: Date;
  /**
   * The nanoseconds within `atime`'s / `mtime`'s second, when the caller gave them (kernel transport): more precise
   * than the Date's milliseconds.
   */
  atimeNsec?: number;
  mtimeNsec?: number;
}

export interface FsStats {
  /** Block size in bytes. */
  bsize: number;
  /** Total blocks, free blocks, and blocks free for unprivileged users. */
  blocks: number;
  bfree: number;
  bavail: number;
  /** Total inodes and free inodes. */
  files: number;
  ffree: number;
  /** Longest file name, in bytes. */
  namelen: number;
}

/** Who made a request. */
export interface RequestContext {
  /** The caller's user and group (fsuid/fsgid), as the kernel reports them. */
  uid: number;
  gid: number;
  /** The calling process (thread group); 0 when the transport cannot tell (fuse-native, FileHandle). */
  pid: number;
  /**
   * False when the transport does not know the caller — fuse-native (libfuse 2 through it does not say) and
   * FileHandle — and uid/gid are the daemon's own.
   */
  known: boolean;
  /**
   * The caller's umask, on `create`, `mkdir` and `mknod` (kernel transport): the kernel has already applied it to
   * the mode the handler receives. Undefined on other requests and transports.
   */
  readonly umask?: number;
  /**
   * Aborted when the caller is interrupted (a signal: Ctrl-C on a slow read), on the kernel transport. A handler that
   * watches it may stop and throw `FsError.interrupted()`; the caller then gets EINTR. Undefined where requests cannot
   * be interrupted.
   */
  readonly signal?: AbortSignal;
  /**
   * On `open` and `create` (kernel transport): true when a `passthrough` descriptor in the answer would be used — the
   * kernel agreed to passthrough, the daemon may use it, and the inode has no open served through the page cache. A
   * handler that must prepare such a descriptor first (stage a remote file locally) can skip the work otherwise.
   * Undefined on other requests and transports.
   */
  readonly passthrough?: boolean;
}
