import { Logger } from '@nestjs/common';
import { constants as fsConstants } from 'node:fs';
import { posix } from 'node:path';
import { FsError } from './errors/fs-error';
import { assertFileName as checkName } from './file-names';
import { DEFAULT_ATTR_TTL_MS, DEFAULT_ENTRY_TTL_MS, FuseOp, ROOT_INO, WRITE_OPS } from './fuse.constants';
import { InodeLocks, LockRequest } from './inode-locks';
import { InodeTable } from './inode.table';
import type {
  CreateReply,
  DirEntry,
  Entry,
  Fh,
  OpenReply,
  FileAttr,
  Ino,
  SetAttrChanges,
  FsStats,
  RequestContext,
} from './interfaces/file-attr.interface';
import type { FuseHandlerSignatures } from './interfaces/fuse-handlers.interface';
import type { FuseModuleOptions } from './interfaces/fuse-module-options.interface';
import type { DropsCaches } from './interfaces/drops-caches.interface';
import type { KernelCache } from './interfaces/kernel-cache.interface';
import type { RegisteredFilesystem } from './interfaces/registered-filesystem.interface';
import { OpInvoker, Settle } from './op-invoker';

type HandlerResult<K extends FuseOp> = Awaited<ReturnType<FuseHandlerSignatures[K]>>;
/** A handler's arguments without the request context that every handler gets last. */
type WithoutContext<P extends unknown[]> = P extends [...infer Args, RequestContext] ? Args : never;

const shared = (ino: Ino): LockRequest => ({ ino, mode: 'shared' });
const exclusive = (ino: Ino): LockRequest => ({ ino, mode: 'exclusive' });

/** A directory listing longer than this many pages is taken as a handler that never ends its listing. */
const MAX_READDIR_PAGES = 1_000_000;

/**
 * One filesystem as every consumer sees it — the native mount and {@link FileHandle} alike: its handlers called
 * through per-inode locks and deadlines, with the module's name and attribute caches in front of them.
 *
 * Ordering guarantee: ops that change an inode (write, setattr, truncating open, flush, fsync, release, xattr
 * changes) hold that inode exclusively; ops that change a directory's entries (create, mkdir, symlink, link,
 * unlink, rmdir, rename) hold the directory (both directories for rename) exclusively; reads, lookups, getattr and
 * readdir hold their inode shared. So a read never sees half of a write of the same inode, and two mutations of one
 * inode run one after the other in arrival order, while ops on different inodes run concurrently.
 */
export class FilesystemSession {
  private readonly table = new InodeTable();
  private readonly locks = new InodeLocks();
  private readonly invoker: OpInvoker;
  private readonly inflightLookups = new Map<string, Promise<Entry>>();
  /** The observation each open listing began at opendir, until its releasedir. */
  private readonly listingsSince = new Map<string, number>();
  private readonly entryTtlMs: number;
  /** How long attributes a handler returned are reused (the module's attribute cache). */
  readonly attrTtlMs: number;
  /** Transports that pass invalidations on to the kernel (the kernel transport attaches one per mount). */
  private readonly kernels = new Set<KernelCache>();
  /** What the filesystem uses to drop cached answers: the module's, then every attached kernel's. */
  readonly kernelCache: KernelCache = {
    invalidateInode: (ino) => {
      this.table.forgetAttr(ino);
      for (const kernel of this.kernels) kernel.invalidateInode(ino);
    },
    invalidateEntry: (parent, name) => {
      this.table.forgetChild(parent, name);
      this.table.forgetAttr(parent);
      for (const kernel of this.kernels) kernel.invalidateEntry(parent, name);
    },
    releaseEntry: (parent, name) => {
      this.table.dropChild(parent, name);
      let told = false;
      for (const kernel of this.kernels) told = kernel.releaseEntry(parent, name) || told;
      return told;
    },
  };
  /** The context of requests whose caller is not known: the daemon's own identity. */
  private readonly ownContext: RequestContext = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, pid: 0, known: false };

  constructor(
    readonly filesystem: RegisteredFilesystem,
    options: FuseModuleOptions,
    private readonly logger = new Logger(`FuseFilesystem:${filesystem.name}`),
  ) {
    this.invoker = new OpInvoker(this.locks, options, logger);
    this.entryTtlMs = options.entryTtlMs ?? DEFAULT_ENTRY_TTL_MS;
    this.attrTtlMs = options.attrTtlMs ?? DEFAULT_ATTR_TTL_MS;
  }

  /** Passes this session's invalidations on to a kernel too, until the returned function detaches it. */
  attachKernel(kernel: KernelCache): () => void {
    this.kernels.add(kernel);
    return () => this.kernels.delete(kernel);
  }

  get name(): string {
    return this.filesystem.name;
  }

  implements(op: FuseOp): boolean {
    return this.filesystem.ops[op] !== undefined;
  }

  /** True when the filesystem implements at least one op that changes it. */
  get writable(): boolean {
    return WRITE_OPS.some((op) => this.implements(op));
  }

  /**
   * Until the returned function is called, `ino`'s attributes are neither answered from nor kept in the cache: the
   * kernel changes its contents without a write handler running (passthrough). Calls nest.
   */
  bypassAttrCache(ino: Ino): () => void {
    return this.table.bypass(ino);
  }

  /** Forgets every cached name and attribute, the module's and the filesystem's own (see DropsCaches). */
  dropCaches(): void {
    this.table.clear();
    (this.filesystem.instance as Partial<DropsCaches>).dropCaches?.();
  }

  /** Turns the trace of every handler call (the `debug` option's log lines) on or off. */
  set tracing(on: boolean) {
    this.invoker.tracing = on;
  }

  get tracing(): boolean {
    return this.invoker.tracing;
  }

  // ── paths ────────────────────────────────────────────────────────────────────────────────────────────────────

  /** The inode of an absolute path inside the filesystem, walked one `lookup` per uncached component. */
  async resolve(path: string): Promise<Ino> {
    let ino = ROOT_INO;
    const names = splitPath(path);
    for (let i = 0; i < names.length; i++) {
      const entry = await this.lookup(ino, names[i]);
      if (i < names.length - 1 && entry.attr.kind !== 'dir') throw FsError.notDirectory(`${names.slice(0, i + 1).join('/')} is not a directory`);
      ino = entry.attr.ino;
    }
    return ino;
  }

  /** The inode of a path's directory and the path's last name, for ops that create or remove a name. */
  async resolveParent(path: string): Promise<{ parent: Ino; name: string }> {
    const names = splitPath(path);
    const name = names.pop();
    if (name === undefined) throw FsError.invalid('the root directory has no parent');
    const parent = await this.resolve(names.join('/'));
    return { parent, name };
  }

  /** Drops the cached name of `path` (and its parent's attributes) so the next walk asks the handlers again. */
  forgetPath(path: string): void {
    const names = splitPath(path);
    let ino: Ino = ROOT_INO;
    for (const name of names) {
      const child = this.table.child(ino, name);
      this.table.forgetChild(ino, name);
      if (!child) return;
      this.table.forgetAttr(child.ino);
      ino = child.ino;
    }
  }

  // ── reads ────────────────────────────────────────────────────────────────────────────────────────────────────

  async lookup(parent: Ino, name: string, context?: RequestContext): Promise<Entry> {
    checkName(name);
    const cached = this.table.child(parent, name);
    if (cached) {
      const attr = this.table.attr(cached.ino);
      if (attr) return { attr };
    }
    const key = `${parent}/${name}`;
    let pending = this.inflightLookups.get(key);
    if (!pending) {
      pending = this.lookupUncached(parent, name, context).finally(() => this.inflightLookups.delete(key));
      this.inflightLookups.set(key, pending);
    }
    return pending;
  }

  async getattr(ino: Ino, fh?: Fh, context?: RequestContext): Promise<FileAttr> {
    const cached = this.table.attr(ino);
    if (cached) return cached;
    const since = this.table.beginObservation();
    try {
      const attr = await this.invoke(FuseOp.GetAttr, [shared(ino)], context, ino, fh);
      this.rememberAttr(attr, this.attrTtlMs, since);
      return attr;
    } finally {
      this.table.endObservation(since);
    }
  }

  /** One page of entries, as the handler returns it; entries that carry attributes warm both caches. */
  /**
   * A page of a listing. A handler may answer later pages from what it read at opendir (the S3 backend pages through
   * one listing): an entry of a directory that changed since then, or of an inode that did, goes out without its
   * attributes and is not cached — given to the kernel with them, a name removed meanwhile would come back as a
   * dentry for the entry TTL.
   */
  async readdir(ino: Ino, fh: Fh, offset: number, context?: RequestContext): Promise<DirEntry[]> {
    const held = this.listingsSince.get(listingKey(ino, fh));
    const since = held ?? this.table.beginObservation();
    try {
      const entries = await this.invoke(FuseOp.ReadDir, [shared(ino)], context, ino, fh, offset);
      if (!Array.isArray(entries)) throw this.badResult(FuseOp.ReadDir, 'an array of DirEntry');
      return (entries as DirEntry[]).map((entry) => {
        const current = !this.table.changedSince(ino, since) && !(entry.attr && this.table.changedSince(entry.attr.ino, since));
        if (!current) return entry.attr ? { ...entry, attr: undefined } : entry;
        // An entry of unknown type is not cached: its lookup must ask the handler.
        if (entry.kind) this.table.rememberChild(ino, entry.name, { ino: entry.ino, kind: entry.kind }, this.entryTtlMs, since);
        if (entry.attr) this.rememberAttr(entry.attr, this.attrTtlMs, since);
        return entry;
      });
    } finally {
      if (held === undefined) this.table.endObservation(since);
    }
  }

  /** Every entry of a directory, following the handler's offsets to the end. */
  async readdirAll(ino: Ino, fh: Fh): Promise<DirEntry[]> {
    const all: DirEntry[] = [];
    let offset = 0;
    for (let page = 0; page < MAX_READDIR_PAGES; page++) {
      const entries = await this.readdir(ino, fh, offset);
      if (entries.length === 0) return all;
      all.push(...entries);
      const next = entries[entries.length - 1].offset;
      if (!(next > offset)) {
        throw this.badResult(FuseOp.ReadDir, `offsets that grow (got ${next} after ${offset}); set DirEntry.offset`);
      }
      offset = next;
    }
    throw this.badResult(FuseOp.ReadDir, 'an end to the listing');
  }

  async open(ino: Ino, flags: number, context?: RequestContext): Promise<Fh> {
    return (await this.openReply(ino, flags, context)).fh;
  }

  /** {@link open}, with the passthrough descriptor the handler may offer. */
  async openReply(ino: Ino, flags: number, context?: RequestContext): Promise<OpenReply> {
    if (!this.implements(FuseOp.Open)) return { fh: 0 };
    const truncates = (flags & fsConstants.O_TRUNC) !== 0;
    const reply = await this.invoke(FuseOp.Open, [truncates ? exclusive(ino) : shared(ino)], context, ino, flags);
    if (truncates) this.table.forgetAttr(ino);
    return { fh: this.fhOf(FuseOp.Open, reply), ...this.passthroughOf(FuseOp.Open, reply) };
  }

  read(ino: Ino, fh: Fh, offset: number, size: number, scratch?: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) =>
      this.readWith(ino, fh, offset, size, scratch, (error, data) => (error ? reject(error) : resolve(data as Buffer))),
    );
  }

  /**
   * {@link read} in callback form: the mount's read path, where each promise layer between the handler and the
   * kernel would cost a microtask per request. `scratch`, when given, is memory the handler may read into.
   */
  readWith(ino: Ino, fh: Fh, offset: number, size: number, scratch: Buffer | undefined, done: Settle<Buffer>, context?: RequestContext): void {
    const handler = this.filesystem.ops[FuseOp.Read];
    if (!handler) return done(FsError.notImplemented(`${this.name} does not implement ${FuseOp.Read}`));
    this.invoker.dispatch(
      FuseOp.Read,
      // A read's scratch buffer is plumbing, not an argument worth logging.
      () => this.describeCall(FuseOp.Read, [ino, fh, offset, size]),
      [shared(ino)],
      () => handler(ino, fh, offset, size, scratch, context ?? this.ownContext),
      (error, data) => {
        if (error) return done(error);
        if (!(data instanceof Uint8Array)) return done(this.badResult(FuseOp.Read, 'a Buffer'));
        if (data.length > size) return done(this.badResult(FuseOp.Read, `at most ${size} bytes (got ${data.length})`));
        const bytes: Uint8Array = data;
        done(undefined, Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
      },
    );
  }

  async readlink(ino: Ino, context?: RequestContext): Promise<string> {
    const target = await this.invoke(FuseOp.ReadLink, [shared(ino)], context, ino);
    if (typeof target !== 'string') throw this.badResult(FuseOp.ReadLink, 'a string');
    return target;
  }

  async statfs(ino: Ino, context?: RequestContext): Promise<FsStats> {
    return this.invoke(FuseOp.StatFs, [shared(ino)], context, ino);
  }

  async access(ino: Ino, mask: number, context?: RequestContext): Promise<void> {
    await this.invoke(FuseOp.Access, [shared(ino)], context, ino, mask);
  }

  async getxattr(ino: Ino, name: string, context?: RequestContext): Promise<Buffer> {
    const value = await this.invoke(FuseOp.GetXattr, [shared(ino)], context, ino, name);
    if (!(value instanceof Uint8Array)) throw this.badResult(FuseOp.GetXattr, 'a Buffer');
    return Buffer.from(value);
  }

  async listxattr(ino: Ino, context?: RequestContext): Promise<string[]> {
    const names = await this.invoke(FuseOp.ListXattr, [shared(ino)], context, ino);
    if (!Array.isArray(names)) throw this.badResult(FuseOp.ListXattr, 'an array of names');
    return names;
  }

  /** Opens a listing; what its pages answer is checked against changes from here on (see {@link readdir}). */
  async opendir(ino: Ino, flags: number, context?: RequestContext): Promise<Fh> {
    if (!this.implements(FuseOp.OpenDir)) return 0;
    const since = this.table.beginObservation();
    let fh: Fh;
    try {
      fh = this.fhOf(FuseOp.OpenDir, await this.invoke(FuseOp.OpenDir, [shared(ino)], context, ino, flags));
    } catch (error) {
      this.table.endObservation(since);
      throw error;
    }
    const key = listingKey(ino, fh);
    if (this.listingsSince.has(key)) this.table.endObservation(since);
    else this.listingsSince.set(key, since);
    return fh;
  }

  async releasedir(ino: Ino, fh: Fh, context?: RequestContext): Promise<void> {
    const key = listingKey(ino, fh);
    const since = this.listingsSince.get(key);
    this.listingsSince.delete(key);
    if (since !== undefined) this.table.endObservation(since);
    if (!this.implements(FuseOp.ReleaseDir)) return;
    await this.invoke(FuseOp.ReleaseDir, [shared(ino)], context, ino, fh);
  }

  /**
   * The kernel forgot `ino` (its lookup count reached 0): the module's caches drop it, then the handler hears of it —
   * unless `stillForgotten` says a lookup gave the kernel the inode again before the handler's turn came.
   */
  async forget(ino: Ino, context?: RequestContext, stillForgotten: () => boolean = () => true): Promise<void> {
    this.table.forgetAttr(ino);
    const handler = this.filesystem.ops[FuseOp.Forget];
    if (!handler) return;
    await this.invoker.run(
      FuseOp.Forget,
      () => this.describeCall(FuseOp.Forget, [ino]),
      [exclusive(ino)],
      async () => {
        if (stillForgotten()) await handler(ino, context ?? this.ownContext);
      },
    );
  }

  async lseek(ino: Ino, fh: Fh, offset: number, whence: number, context?: RequestContext): Promise<number> {
    const result = await this.invoke(FuseOp.Lseek, [shared(ino)], context, ino, fh, offset, whence);
    if (!Number.isInteger(result) || result < 0) throw this.badResult(FuseOp.Lseek, 'an offset');
    return result;
  }

  // ── writes ───────────────────────────────────────────────────────────────────────────────────────────────────

  async write(ino: Ino, fh: Fh, offset: number, data: Buffer, context?: RequestContext): Promise<number> {
    const written = await this.invoke(FuseOp.Write, [exclusive(ino)], context, ino, fh, offset, data);
    this.table.forgetAttr(ino);
    if (!Number.isInteger(written) || written < 0 || written > data.length) {
      throw this.badResult(FuseOp.Write, `a byte count between 0 and ${data.length}`);
    }
    return written;
  }

  async fallocate(ino: Ino, fh: Fh, offset: number, length: number, mode: number, context?: RequestContext): Promise<void> {
    await this.invoke(FuseOp.Fallocate, [exclusive(ino)], context, ino, fh, offset, length, mode);
    this.table.forgetAttr(ino);
  }

  async copyFileRange(
    ino: Ino,
    fh: Fh,
    offset: number,
    outIno: Ino,
    outFh: Fh,
    outOffset: number,
    length: number,
    flags: number,
    context?: RequestContext,
  ): Promise<number> {
    const locks = ino === outIno ? [exclusive(ino)] : [shared(ino), exclusive(outIno)];
    const copied = await this.invoke(FuseOp.CopyFileRange, locks, context, ino, fh, offset, outIno, outFh, outOffset, length, flags);
    this.table.forgetAttr(outIno);
    if (!Number.isInteger(copied) || copied < 0 || copied > length)
      throw this.badResult(FuseOp.CopyFileRange, `a byte count between 0 and ${length}`);
    return copied;
  }

  async flush(ino: Ino, fh: Fh, context?: RequestContext): Promise<void> {
    if (!this.implements(FuseOp.Flush)) return;
    await this.invoke(FuseOp.Flush, [exclusive(ino)], context, ino, fh);
    this.table.forgetAttr(ino);
  }

  async fsync(ino: Ino, fh: Fh, datasync: boolean, context?: RequestContext): Promise<void> {
    if (!this.implements(FuseOp.Fsync)) return;
    await this.invoke(FuseOp.Fsync, [exclusive(ino)], context, ino, fh, datasync);
    this.table.forgetAttr(ino);
  }

  async release(ino: Ino, fh: Fh, flags: number, context?: RequestContext): Promise<void> {
    if (!this.implements(FuseOp.Release)) return;
    await this.invoke(FuseOp.Release, [exclusive(ino)], context, ino, fh, flags);
    this.table.forgetAttr(ino);
  }

  async create(parent: Ino, name: string, mode: number, flags: number, context?: RequestContext): Promise<CreateReply> {
    checkName(name);
    const reply = await this.invoke(FuseOp.Create, [exclusive(parent)], context, parent, name, mode, flags);
    this.table.forgetAttr(parent);
    if (!reply || typeof reply !== 'object' || !reply.entry) throw this.badResult(FuseOp.Create, '{ entry, fh }');
    this.rememberEntry(parent, name, reply.entry);
    return { entry: reply.entry, fh: this.fhOf(FuseOp.Create, reply), ...this.passthroughOf(FuseOp.Create, reply) };
  }

  async setattr(ino: Ino, changes: SetAttrChanges, fh?: Fh, context?: RequestContext): Promise<FileAttr> {
    try {
      const attr = await this.invoke(FuseOp.SetAttr, [exclusive(ino)], context, ino, changes, fh);
      this.rememberAttr(attr, this.attrTtlMs);
      return attr;
    } finally {
      this.table.forgetAttr(ino);
    }
  }

  async mkdir(parent: Ino, name: string, mode: number, context?: RequestContext): Promise<Entry> {
    return this.createName(FuseOp.MkDir, parent, name, () => this.invoke(FuseOp.MkDir, [exclusive(parent)], context, parent, name, mode));
  }

  /** A special file: `mode` holds its type bits (S_IFIFO, S_IFSOCK, S_IFCHR, S_IFBLK) and its permissions. */
  async mknod(parent: Ino, name: string, mode: number, rdev: number, context?: RequestContext): Promise<Entry> {
    return this.createName(FuseOp.MkNod, parent, name, () => this.invoke(FuseOp.MkNod, [exclusive(parent)], context, parent, name, mode, rdev));
  }

  async symlink(parent: Ino, name: string, target: string, context?: RequestContext): Promise<Entry> {
    return this.createName(FuseOp.Symlink, parent, name, () => this.invoke(FuseOp.Symlink, [exclusive(parent)], context, parent, name, target));
  }

  async link(ino: Ino, newParent: Ino, newName: string, context?: RequestContext): Promise<Entry> {
    this.table.forgetAttr(ino);
    return this.createName(FuseOp.Link, newParent, newName, () =>
      this.invoke(FuseOp.Link, [exclusive(ino), exclusive(newParent)], context, ino, newParent, newName),
    );
  }

  async unlink(parent: Ino, name: string, context?: RequestContext): Promise<void> {
    await this.removeName(FuseOp.Unlink, parent, name, context);
  }

  async rmdir(parent: Ino, name: string, context?: RequestContext): Promise<void> {
    await this.removeName(FuseOp.RmDir, parent, name, context);
  }

  async rename(parent: Ino, name: string, newParent: Ino, newName: string, flags = 0, context?: RequestContext): Promise<void> {
    checkName(name);
    checkName(newName);
    const moved = this.table.child(parent, name);
    const replaced = this.table.child(newParent, newName);
    try {
      await this.invoke(FuseOp.Rename, [exclusive(parent), exclusive(newParent)], context, parent, name, newParent, newName, flags);
    } finally {
      this.table.forgetChild(parent, name);
      this.table.forgetChild(newParent, newName);
      for (const ino of [parent, newParent, moved?.ino, replaced?.ino]) if (ino !== undefined) this.table.forgetAttr(ino);
    }
  }

  /** Swaps two existing names: each now names what the other did. */
  async exchange(parent: Ino, name: string, newParent: Ino, newName: string, context?: RequestContext): Promise<void> {
    checkName(name);
    checkName(newName);
    const first = this.table.child(parent, name);
    const second = this.table.child(newParent, newName);
    try {
      await this.invoke(FuseOp.Exchange, [exclusive(parent), exclusive(newParent)], context, parent, name, newParent, newName);
    } finally {
      this.table.forgetChild(parent, name);
      this.table.forgetChild(newParent, newName);
      for (const ino of [parent, newParent, first?.ino, second?.ino]) if (ino !== undefined) this.table.forgetAttr(ino);
    }
  }

  async setxattr(ino: Ino, name: string, value: Buffer, flags: number, context?: RequestContext): Promise<void> {
    await this.invoke(FuseOp.SetXattr, [exclusive(ino)], context, ino, name, value, flags);
    this.table.forgetAttr(ino);
  }

  async removexattr(ino: Ino, name: string, context?: RequestContext): Promise<void> {
    await this.invoke(FuseOp.RemoveXattr, [exclusive(ino)], context, ino, name);
    this.table.forgetAttr(ino);
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────────────────────────

  private async lookupUncached(parent: Ino, name: string, context?: RequestContext): Promise<Entry> {
    const since = this.table.beginObservation();
    try {
      const cached = this.table.child(parent, name);
      if (cached) {
        try {
          const attr = await this.invoke(FuseOp.GetAttr, [shared(cached.ino)], context, cached.ino, undefined);
          this.rememberAttr(attr, this.attrTtlMs, since);
          return { attr };
        } catch (error) {
          if (!isGone(error)) throw error;
          this.table.forgetChild(parent, name);
        }
      }
      const entry = await this.invoke(FuseOp.Lookup, [shared(parent)], context, parent, name);
      if (!entry || typeof entry !== 'object' || !entry.attr) throw this.badResult(FuseOp.Lookup, 'an Entry ({ attr })');
      this.rememberEntry(parent, name, entry, since);
      return entry;
    } finally {
      this.table.endObservation(since);
    }
  }

  private async createName(op: FuseOp, parent: Ino, name: string, call: () => Promise<Entry>): Promise<Entry> {
    checkName(name);
    const entry = await call().finally(() => this.table.forgetAttr(parent));
    if (!entry || typeof entry !== 'object' || !entry.attr) throw this.badResult(op, 'an Entry ({ attr })');
    this.rememberEntry(parent, name, entry);
    return entry;
  }

  private async removeName(op: FuseOp.Unlink | FuseOp.RmDir, parent: Ino, name: string, context?: RequestContext): Promise<void> {
    checkName(name);
    const removed = this.table.child(parent, name);
    try {
      await this.invoke(op, [exclusive(parent)], context, parent, name);
    } finally {
      this.table.forgetChild(parent, name);
      this.table.forgetAttr(parent);
      if (removed) {
        this.table.forgetAttr(removed.ino);
        if (op === FuseOp.RmDir) this.table.forgetChildrenOf(removed.ino);
      }
    }
  }

  /** `since`: the epoch of the observation this entry came from (none for the answer of a change itself). */
  private rememberEntry(parent: Ino, name: string, entry: Entry, since?: number): void {
    this.table.rememberChild(parent, name, { ino: entry.attr.ino, kind: entry.attr.kind }, entry.entryTtlMs ?? this.entryTtlMs, since);
    this.rememberAttr(entry.attr, entry.attrTtlMs ?? this.attrTtlMs, since);
  }

  private rememberAttr(attr: FileAttr, ttlMs: number, since?: number): void {
    if (!attr || typeof attr !== 'object' || !Number.isInteger(attr.ino)) throw this.badResult(FuseOp.GetAttr, 'a FileAttr');
    this.table.rememberAttr(attr, ttlMs, since);
  }

  private passthroughOf(op: FuseOp, reply: { passthrough?: unknown }): { passthrough?: number } {
    const fd = reply.passthrough;
    if (fd === undefined) return {};
    if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) throw this.badResult(op, '{ passthrough: a file descriptor } or no passthrough');
    return { passthrough: fd };
  }

  private fhOf(op: FuseOp, reply: { fh?: unknown } | undefined): Fh {
    const fh = reply?.fh;
    if (typeof fh !== 'number' || !Number.isInteger(fh) || fh < 0) throw this.badResult(op, '{ fh: a non-negative integer }');
    return fh;
  }

  /** Calls op's handler with `args` and, last, the request's context (the daemon's own when none is given). */
  private invoke<K extends FuseOp>(
    op: K,
    locks: LockRequest[],
    context: RequestContext | undefined,
    ...args: WithoutContext<Parameters<FuseHandlerSignatures[K]>>
  ): Promise<HandlerResult<K>> {
    const handler = this.filesystem.ops[op] as ((...a: unknown[]) => Promise<HandlerResult<K>>) | undefined;
    if (!handler) return Promise.reject(FsError.notImplemented(`${this.name} does not implement ${op}`));
    return this.invoker.run(
      op,
      () => this.describeCall(op, args),
      locks,
      () => handler(...args, context ?? this.ownContext),
    );
  }

  /** The handler and its arguments, for log lines. */
  private describeCall(op: FuseOp, args: readonly unknown[]): string {
    return `${this.filesystem.handlerNames.get(op)}(${args.map(describeArg).join(', ')})`;
  }

  private badResult(op: FuseOp, expected: string): FsError {
    const message = `${this.filesystem.handlerNames.get(op) ?? op} must resolve with ${expected}; answered EIO`;
    this.logger.error(message);
    return FsError.io(message);
  }
}

function listingKey(ino: Ino, fh: Fh): string {
  return `${ino}:${fh}`;
}

function splitPath(path: string): string[] {
  return posix
    .normalize(`/${path}`)
    .split('/')
    .filter((name) => name !== '' && name !== '.');
}

function isGone(error: unknown): boolean {
  return error instanceof FsError && (error.code === 'ENOENT' || error.code === 'ESTALE');
}

function describeArg(arg: unknown): string {
  if (Buffer.isBuffer(arg)) return `<${arg.length} bytes>`;
  if (typeof arg === 'string') return JSON.stringify(arg);
  if (arg instanceof Date) return arg.toISOString();
  if (arg && typeof arg === 'object') return JSON.stringify(arg);
  return String(arg);
}
