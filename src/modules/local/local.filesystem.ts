import { Inject, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { constants, read as readCallback, write as writeCallback } from 'node:fs';
import * as fs from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { join, resolve } from 'node:path';
import {
  Access,
  CopyFileRange,
  Create,
  CreateReply,
  DirEntry,
  Entry,
  Exchange,
  Fallocate,
  Fh,
  FileAttr,
  FsError,
  FsStats,
  Fsync,
  FuseFilesystem,
  GetAttr,
  GetXattr,
  Ino,
  Link,
  ListXattr,
  Lseek,
  Lookup,
  MkDir,
  MkNod,
  assertFileName,
  NAME_MAX_BYTES,
  Open,
  OpenDir,
  OpenReply,
  Read,
  ReadDir,
  ReadLink,
  Release,
  ReleaseDir,
  RemoveXattr,
  Rename,
  RequestContext,
  RmDir,
  SetAttr,
  SetAttrChanges,
  SetXattr,
  StatFs,
  Symlink,
  Unlink,
  Write,
} from '../fuse';
import type { FuseDeviceBinding } from '../fuse/kernel/fuse-device.binding';
import { LocalInodeMap, kindOf } from './local-inode.map';
import { LocalXattr } from './local-xattr';
import { BackingFile } from './backing-file';
import { FileStats, statOf } from './file-stats';
import { INLINE_METADATA_CALLS, MetadataCalls, THREAD_POOL_METADATA_CALLS } from './metadata-calls';
import { setFileTimes } from './file-times';
import { native, nativeFileCalls, requiredFileCalls } from './native-file-calls';
import { makeSpecialFile } from './special-files';
import { LOCAL_MODULE_OPTIONS } from './local.module-definition';
import type { LocalModuleOptions } from './local-module-options.interface';
import { LocalRootException } from './local-root.exception';
import { ROOT_NOT_DIRECTORY_MESSAGE, ROOT_UNREADABLE_MESSAGE, ROOT_UNUSABLE_MESSAGE } from './local.messages';

/** Entries returned per readdir page, each with its attributes. */
const READDIR_PAGE = 256;
/**
 * O_DIRECT is the kernel's business (it already bypasses the mount's page cache for such a file): on the backing file
 * it would demand sector-aligned memory, which request buffers are not, and every read would fail EINVAL.
 */
const BACKING_FLAGS_STRIPPED = constants.O_NOCTTY | constants.O_DIRECT;
/** Flags the kernel has already acted on, or that would make the daemon follow a symlink or block. */
const OPEN_FLAGS_STRIPPED = constants.O_CREAT | constants.O_EXCL | BACKING_FLAGS_STRIPPED;
const DAEMON_UID = process.getuid?.() ?? -1;
const DAEMON_GID = process.getgid?.() ?? -1;
const S_ISGID = 0o2000;
const { EOPNOTSUPP } = osConstants.errno;

interface DirSnapshot {
  ino: Ino;
  names: string[];
}

/**
 * A read-write passthrough of a directory. Every name is resolved with lstat, files are opened with O_NOFOLLOW and
 * times/owners set with lutimes/lchown, so the daemon never follows a symlink it serves: a link's target, absolute
 * or relative, is returned as stored and the kernel resolves it on the caller's side.
 */
@FuseFilesystem('local')
export class LocalFilesystem implements OnModuleInit, OnApplicationShutdown {
  private readonly root: string;
  private inodes!: LocalInodeMap;
  private readonly files = new Map<Fh, BackingFile>();
  /** The inode each open file handle is of: a file removed while open is still stat-able through it. */
  private readonly fileInodes = new Map<Fh, Ino>();
  private readonly dirs = new Map<Fh, DirSnapshot>();
  private readonly xattr: LocalXattr;
  private nextFh = 1;
  private readonly calls: MetadataCalls;
  /** Reads from the page cache on the JavaScript thread, where the addon is built and the filesystem allows them. */
  private cachedReads?: Pick<FuseDeviceBinding, 'readCached'>;

  constructor(@Inject(LOCAL_MODULE_OPTIONS) options: LocalModuleOptions) {
    this.root = resolve(options.root);
    this.calls = options.inlineMetadata === false ? THREAD_POOL_METADATA_CALLS : INLINE_METADATA_CALLS;
    this.xattr = new LocalXattr(options.inlineMetadata !== false);
  }

  async onModuleInit(): Promise<void> {
    let stats: FileStats;
    try {
      stats = await statOf(this.root);
    } catch (error) {
      throw new LocalRootException(ROOT_UNUSABLE_MESSAGE(this.root, (error as Error).message));
    }
    if (!stats.isDirectory()) throw new LocalRootException(ROOT_NOT_DIRECTORY_MESSAGE(this.root));
    await fs.access(this.root, constants.R_OK | constants.X_OK).catch(() => {
      throw new LocalRootException(ROOT_UNREADABLE_MESSAGE(this.root));
    });
    this.inodes = new LocalInodeMap(this.root, stats);
    this.cachedReads = await nativeFileCalls();
  }

  /** Closes the backing files, after FuseModule has unmounted (beforeApplicationShutdown runs first). */
  async onApplicationShutdown(): Promise<void> {
    const open = [...this.files.values()];
    this.files.clear();
    this.fileInodes.clear();
    this.dirs.clear();
    await Promise.allSettled(open.map((handle) => handle.close()));
  }

  // ── names ────────────────────────────────────────────────────────────────────────────────────────────────────

  @Lookup()
  async lookup(parent: Ino, name: string): Promise<Entry> {
    const stats = await sys(this.calls.lstat(this.childPath(parent, name)));
    return { attr: this.toAttr(this.inodes.remember(stats, parent, name), stats) };
  }

  @GetAttr()
  async getattr(ino: Ino, fh?: Fh): Promise<FileAttr> {
    const handle = fh === undefined ? undefined : this.files.get(fh);
    if (handle) return this.toAttr(ino, await sys(handle.stat()));
    try {
      return this.toAttr(ino, await this.statOf(ino));
    } catch (error) {
      // Removed while open (fstat asks by inode, without a handle): any handle still open on it answers.
      const open = isGone(error) ? this.openHandleOf(ino) : undefined;
      if (!open) throw error;
      return this.toAttr(ino, await sys(open.stat()));
    }
  }

  @OpenDir()
  async opendir(ino: Ino): Promise<OpenReply> {
    const names = await sys(fs.readdir(this.dirPath(ino)));
    const fh = this.allocateFh();
    this.dirs.set(fh, { ino, names });
    return { fh };
  }

  @ReadDir()
  async readdir(ino: Ino, fh: Fh, offset: number): Promise<DirEntry[]> {
    const snapshot = this.dirs.get(fh);
    const names = snapshot?.ino === ino ? snapshot.names : await sys(fs.readdir(this.dirPath(ino)));
    const dir = this.dirPath(ino);
    const page = names.slice(offset, offset + READDIR_PAGE);
    const entries = await Promise.all(
      page.map(async (name, index): Promise<DirEntry | undefined> => {
        // A name removed since the listing was taken is skipped rather than failing the whole listing.
        const stats = await this.calls.lstat(join(dir, name)).catch(() => undefined);
        if (!stats) return undefined;
        const child = this.inodes.remember(stats, ino, name);
        return { ino: child, name, kind: kindOf(stats), offset: offset + index + 1, attr: this.toAttr(child, stats) };
      }),
    );
    return entries.filter((entry): entry is DirEntry => entry !== undefined);
  }

  @ReleaseDir()
  async releasedir(_ino: Ino, fh: Fh): Promise<void> {
    this.dirs.delete(fh);
  }

  // ── file data ────────────────────────────────────────────────────────────────────────────────────────────────

  @Open()
  async open(ino: Ino, flags: number): Promise<OpenReply> {
    const path = this.pathOf(ino);
    // O_NONBLOCK keeps a FIFO in the backing directory from blocking the daemon's I/O threads.
    const handle = await sys(BackingFile.open(this.calls, path, (flags & ~OPEN_FLAGS_STRIPPED) | constants.O_NOFOLLOW | constants.O_NONBLOCK));
    const stats = await sys(handle.stat()).catch(async (error: unknown) => {
      await handle.close();
      throw error;
    });
    if (!stats.isFile()) {
      await handle.close();
      throw FsError.accessDenied(`${path} is not a regular file`);
    }
    // The kernel transport may read and write the backing file itself (passthrough).
    return { fh: this.keep(handle, ino), passthrough: handle.fd };
  }

  @Create()
  async create(parent: Ino, name: string, mode: number, flags: number, context?: RequestContext): Promise<CreateReply> {
    const path = this.childPath(parent, name);
    const openFlags = (flags & ~BACKING_FLAGS_STRIPPED) | constants.O_NOFOLLOW;
    // Exclusively first, so a file made beside the mount meanwhile is opened, not given to the caller.
    let created = true;
    const handle = await sys(BackingFile.open(this.calls, path, openFlags | constants.O_CREAT | constants.O_EXCL, mode)).catch((error: unknown) => {
      if (!(error instanceof FsError && error.code === 'EEXIST') || flags & constants.O_EXCL) throw error;
      created = false;
      return sys(BackingFile.open(this.calls, path, openFlags, mode));
    });
    try {
      if (created) await this.giveToCaller(parent, context, (uid, gid) => handle.chown(uid, gid));
      let stats = await sys(handle.stat());
      // The kernel already applied the caller's umask; the daemon's own umask must not narrow the mode again.
      if ((stats.mode & 0o7777) !== (mode & 0o7777)) {
        await sys(handle.chmod(mode & 0o7777));
        stats = await sys(handle.stat());
      }
      const ino = this.inodes.remember(stats, parent, name);
      return { entry: { attr: this.toAttr(ino, stats) }, fh: this.keep(handle, ino), passthrough: handle.fd };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  @Read()
  // Reads and writes use the descriptor's callback API directly: one promise per request instead of three.
  read(_ino: Ino, fh: Fh, offset: number, size: number, scratch?: Buffer): Promise<Buffer> {
    const fd = this.fileOf(fh).fd;
    const buffer = (scratch ?? Buffer.allocUnsafe(size)).subarray(0, size);
    const copied = this.readCached(fd, buffer, offset);
    if (copied === size || copied === 0 || (copied > 0 && (this.calls.sizeNow(fd) ?? Infinity) <= offset + copied)) {
      return Promise.resolve(buffer.subarray(0, copied));
    }
    // What the page cache did not hold comes from the thread pool, which may wait on the storage.
    const from = Math.max(copied, 0);
    return new Promise((resolve, reject) =>
      readCallback(fd, buffer, from, size - from, offset + from, (error, bytesRead) =>
        error ? reject(FsError.fromSystemError(error) ?? error) : resolve(buffer.subarray(0, from + bytesRead)),
      ),
    );
  }

  /** Copies what the page cache holds of the range, on this thread: the bytes copied (0 at the end), or -1. */
  private readCached(fd: number, buffer: Buffer, offset: number): number {
    if (!this.cachedReads) return -1;
    const copied = this.cachedReads.readCached(fd, buffer, offset);
    // A filesystem that cannot read without waiting says so every time: stop asking.
    if (copied === -EOPNOTSUPP) this.cachedReads = undefined;
    return copied < 0 ? -1 : copied;
  }

  @Write()
  write(_ino: Ino, fh: Fh, offset: number, data: Buffer): Promise<number> {
    const fd = this.fileOf(fh).fd;
    return new Promise((resolve, reject) =>
      writeCallback(fd, data, 0, data.length, offset, (error, bytesWritten) =>
        error ? reject(FsError.fromSystemError(error) ?? error) : resolve(bytesWritten),
      ),
    );
  }

  @Fsync()
  async fsync(_ino: Ino, fh: Fh, datasync: boolean): Promise<void> {
    const handle = this.fileOf(fh);
    await sys(datasync ? handle.datasync() : handle.sync());
  }

  @Release()
  async release(_ino: Ino, fh: Fh): Promise<void> {
    const handle = this.files.get(fh);
    if (!handle) return;
    this.files.delete(fh);
    this.fileInodes.delete(fh);
    await sys(handle.close());
  }

  // ── attributes ───────────────────────────────────────────────────────────────────────────────────────────────

  @SetAttr()
  /**
   * With an open handle (ftruncate, say) the change goes through it: the file may have no name any more (removed
   * while open), and a handle is always the regular file itself (opened with O_NOFOLLOW).
   */
  async setattr(ino: Ino, changes: SetAttrChanges, fh?: Fh): Promise<FileAttr> {
    const handle = fh === undefined ? undefined : this.files.get(fh);
    const path = handle ? undefined : this.pathOf(ino);
    const before = handle ? await sys(handle.stat()) : await this.statOf(ino);
    const isLink = before.isSymbolicLink();
    if (changes.size !== undefined) {
      if (!before.isFile()) throw before.isDirectory() ? FsError.isDirectory() : FsError.invalid('cannot truncate a symlink');
      await sys(handle ? handle.truncate(changes.size) : fs.truncate(path as string, changes.size));
    }
    if (changes.mode !== undefined) {
      // chmod follows symlinks and Linux has no lchmod: a link's own mode cannot change, and its target is not ours.
      if (isLink) throw FsError.notSupported('cannot chmod a symlink');
      await sys(handle ? handle.chmod(changes.mode & 0o7777) : fs.chmod(path as string, changes.mode & 0o7777));
    }
    if (changes.uid !== undefined || changes.gid !== undefined) {
      const [uid, gid] = [changes.uid ?? -1, changes.gid ?? -1];
      await sys(handle ? handle.chown(uid, gid) : fs.lchown(path as string, uid, gid));
    }
    if (changes.atime !== undefined || changes.mtime !== undefined) {
      await setFileTimes(
        handle ? { handle } : { path: path as string },
        changes.atime && { time: changes.atime, nanoseconds: changes.atimeNsec },
        changes.mtime && { time: changes.mtime, nanoseconds: changes.mtimeNsec },
        before,
      );
    }
    return this.toAttr(ino, handle ? await sys(handle.stat()) : await this.statOf(ino));
  }

  @Fallocate()
  async fallocate(_ino: Ino, fh: Fh, offset: number, length: number, mode: number): Promise<void> {
    const calls = await requiredFileCalls('fallocate');
    await native(calls.fallocate(this.fileOf(fh).fd, mode, offset, length));
  }

  /** Only SEEK_DATA and SEEK_HOLE come here: the kernel does the other kinds of seek itself. */
  @Lseek()
  async lseek(_ino: Ino, fh: Fh, offset: number, whence: number): Promise<number> {
    const calls = await requiredFileCalls('lseek');
    return native(calls.seek(this.fileOf(fh).fd, offset, whence));
  }

  /** Within the backing filesystem, which may share the blocks (reflink) rather than copy them. */
  @CopyFileRange()
  async copyFileRange(_ino: Ino, fh: Fh, offset: number, _outIno: Ino, outFh: Fh, outOffset: number, length: number): Promise<number> {
    const calls = await requiredFileCalls('copy_file_range');
    return native(calls.copyRange(this.fileOf(fh).fd, offset, this.fileOf(outFh).fd, outOffset, length));
  }

  @Access()
  async access(ino: Ino, mask: number): Promise<void> {
    const stats = await this.statOf(ino);
    // access(2) would follow a symlink; a link itself is always accessible.
    if (stats.isSymbolicLink()) return;
    await sys(fs.access(this.pathOf(ino), mask));
  }

  @StatFs()
  async statfs(): Promise<FsStats> {
    const stats = await sys(fs.statfs(this.root));
    return {
      bsize: stats.bsize,
      blocks: stats.blocks,
      bfree: stats.bfree,
      bavail: stats.bavail,
      files: stats.files,
      ffree: stats.ffree,
      namelen: NAME_MAX_BYTES,
    };
  }

  // ── directory changes ────────────────────────────────────────────────────────────────────────────────────────

  @MkDir()
  async mkdir(parent: Ino, name: string, mode: number, context?: RequestContext): Promise<Entry> {
    const path = this.childPath(parent, name);
    await sys(fs.mkdir(path, mode));
    await this.giveToCaller(parent, context, (uid, gid) => fs.lchown(path, uid, gid));
    // After the chown, which clears set-id bits.
    await sys(fs.chmod(path, mode & 0o7777));
    return this.entryOf(parent, name, path);
  }

  /**
   * FIFOs, sockets and device nodes (the kernel already refused device nodes to callers without CAP_MKNOD), and empty
   * regular files.
   */
  @MkNod()
  async mknod(parent: Ino, name: string, mode: number, rdev: number, context?: RequestContext): Promise<Entry> {
    const path = this.childPath(parent, name);
    if ((mode & constants.S_IFMT) === constants.S_IFREG) {
      const handle = await sys(
        BackingFile.open(this.calls, path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, mode & 0o7777),
      );
      await handle.close();
    } else {
      await makeSpecialFile(path, mode, rdev);
    }
    await this.giveToCaller(parent, context, (uid, gid) => fs.lchown(path, uid, gid));
    // After the chown, which clears set-id bits, and past the daemon's umask.
    await sys(fs.chmod(path, mode & 0o7777));
    return this.entryOf(parent, name, path);
  }

  @Symlink()
  async symlink(parent: Ino, name: string, target: string, context?: RequestContext): Promise<Entry> {
    const path = this.childPath(parent, name);
    await sys(fs.symlink(target, path));
    await this.giveToCaller(parent, context, (uid, gid) => fs.lchown(path, uid, gid));
    return this.entryOf(parent, name, path);
  }

  @Link()
  async link(ino: Ino, newParent: Ino, newName: string): Promise<Entry> {
    const path = this.childPath(newParent, newName);
    await sys(fs.link(this.pathOf(ino), path));
    return this.entryOf(newParent, newName, path);
  }

  @Unlink()
  async unlink(parent: Ino, name: string): Promise<void> {
    await this.removeName(parent, name, (path) => fs.unlink(path));
  }

  @RmDir()
  async rmdir(parent: Ino, name: string): Promise<void> {
    await this.removeName(parent, name, (path) => fs.rmdir(path));
  }

  @Rename()
  async rename(parent: Ino, name: string, newParent: Ino, newName: string): Promise<void> {
    const from = this.childPath(parent, name);
    const to = this.childPath(newParent, newName);
    const moved = await sys(this.calls.lstat(from));
    const replaced = await this.calls.lstat(to).catch(() => undefined);
    await sys(fs.rename(from, to));
    const target = { parent: newParent, name: newName };
    if (replaced && replaced.ino !== moved.ino) this.inodes.unlinked(this.inodes.remember(replaced, newParent, newName), target);
    this.inodes.renamed(this.inodes.remember(moved, parent, name), { parent, name }, target);
  }

  /** Both names must exist; each is then the other's file, in one step of the backing filesystem. */
  @Exchange()
  async exchange(parent: Ino, name: string, newParent: Ino, newName: string): Promise<void> {
    const [first, second] = [this.childPath(parent, name), this.childPath(newParent, newName)];
    const calls = await requiredFileCalls('RENAME_EXCHANGE');
    const [a, b] = [await sys(this.calls.lstat(first)), await sys(this.calls.lstat(second))];
    await native(calls.exchange(first, second));
    const [from, to] = [
      { parent, name },
      { parent: newParent, name: newName },
    ];
    this.inodes.renamed(this.inodes.remember(a, parent, name), from, to);
    this.inodes.renamed(this.inodes.remember(b, newParent, newName), to, from);
  }

  @ReadLink()
  async readlink(ino: Ino): Promise<string> {
    return sys(fs.readlink(this.pathOf(ino)));
  }

  // ── extended attributes ──────────────────────────────────────────────────────────────────────────────────────

  @GetXattr()
  async getxattr(ino: Ino, name: string): Promise<Buffer> {
    return this.xattr.get(this.pathOf(ino), name);
  }

  @ListXattr()
  async listxattr(ino: Ino): Promise<string[]> {
    return this.xattr.list(this.pathOf(ino));
  }

  @SetXattr()
  async setxattr(ino: Ino, name: string, value: Buffer, flags: number): Promise<void> {
    await this.xattr.set(this.pathOf(ino), name, value, flags);
  }

  @RemoveXattr()
  async removexattr(ino: Ino, name: string): Promise<void> {
    await this.xattr.remove(this.pathOf(ino), name);
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────────────────────────

  private pathOf(ino: Ino): string {
    return this.inodes.pathOf(ino);
  }

  /** The backing path of `ino`, which must be a directory (never a symlink, so nothing below it follows one). */
  private dirPath(ino: Ino): string {
    if (this.inodes.kindOf(ino) !== 'dir') throw FsError.notDirectory();
    return this.pathOf(ino);
  }

  private childPath(parent: Ino, name: string): string {
    assertFileName(name);
    return join(this.dirPath(parent), name);
  }

  /** lstat of `ino`'s path, checked to still be the same file. */
  private async statOf(ino: Ino): Promise<FileStats> {
    const stats = await sys(this.calls.lstat(this.pathOf(ino)));
    this.inodes.assertSameFile(ino, stats);
    return stats;
  }

  private async entryOf(parent: Ino, name: string, path: string): Promise<Entry> {
    const stats = await sys(this.calls.lstat(path));
    return { attr: this.toAttr(this.inodes.remember(stats, parent, name), stats) };
  }

  private async removeName(parent: Ino, name: string, remove: (path: string) => Promise<void>): Promise<void> {
    const path = this.childPath(parent, name);
    const stats = await sys(this.calls.lstat(path));
    await sys(remove(path));
    this.inodes.unlinked(this.inodes.remember(stats, parent, name), { parent, name });
  }

  private toAttr(ino: Ino, stats: FileStats): FileAttr {
    return {
      ino,
      size: stats.size,
      blocks: stats.blocks,
      atime: stats.atime,
      mtime: stats.mtime,
      ctime: stats.ctime,
      kind: kindOf(stats),
      perm: stats.mode & 0o7777,
      nlink: stats.nlink,
      uid: stats.uid,
      gid: stats.gid,
      blksize: stats.blksize,
      rdev: stats.rdev,
      atimeNsec: stats.atimeNsec,
      mtimeNsec: stats.mtimeNsec,
      ctimeNsec: stats.ctimeNsec,
      generation: this.inodes.generationOf(ino),
    };
  }

  /**
   * A new file, directory or symlink belongs to whoever made it, as on a local filesystem (bindfs does the same): when
   * the daemon runs as root and the transport knows the caller. In a set-group-ID directory the group stays the
   * directory's, as the backing filesystem chose it.
   */
  private async giveToCaller(parent: Ino, context: RequestContext | undefined, chown: (uid: number, gid: number) => Promise<void>): Promise<void> {
    if (!context?.known || DAEMON_UID !== 0 || (context.uid === DAEMON_UID && context.gid === DAEMON_GID)) return;
    const setgid = ((await sys(fs.stat(this.dirPath(parent)))).mode & S_ISGID) !== 0;
    await sys(chown(context.uid, setgid ? -1 : context.gid));
  }

  private keep(handle: BackingFile, ino: Ino): Fh {
    const fh = this.allocateFh();
    this.files.set(fh, handle);
    this.fileInodes.set(fh, ino);
    return fh;
  }

  private openHandleOf(ino: Ino): BackingFile | undefined {
    for (const [fh, open] of this.fileInodes) if (open === ino) return this.files.get(fh);
    return undefined;
  }

  private allocateFh(): Fh {
    while (this.files.has(this.nextFh) || this.dirs.has(this.nextFh)) this.nextFh += 1;
    return this.nextFh++;
  }

  private fileOf(fh: Fh): BackingFile {
    const handle = this.files.get(fh);
    if (!handle) throw FsError.badHandle(`no open file with fh ${fh}`);
    return handle;
  }
}

/** Awaits a Node fs call and turns its system error (ENOENT, EACCES, …) into the same errno. */
async function sys<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    throw FsError.fromSystemError(error) ?? error;
  }
}

function isGone(error: unknown): boolean {
  return error instanceof FsError && (error.code === 'ENOENT' || error.code === 'ESTALE');
}
