import { Logger } from '@nestjs/common';
import { constants as fsConstants } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { FsError } from '../errors/fs-error';
import type { FilesystemSession } from '../filesystem-session';
import { FuseOp } from '../fuse.constants';
import { describeError } from '../fuse.messages';
import type { FileAttr, FsStats, Ino, OpenReply, RequestContext, SetAttrChanges } from '../interfaces/file-attr.interface';
import type { FuseMountOptions } from '../interfaces/fuse-module-options.interface';
import type { FuseTransport } from '../interfaces/fuse-transport.interface';
import { combineObservers } from '../metrics/op-observers';
import type { OpObserver } from '../metrics/op-observer.interface';
import { OpLatencyRow, OpLatencyStats } from '../op-latency.stats';
import { abandonedByDeadline, RequestBufferPool } from '../request-buffer.pool';
import { DirectoryReader } from './directory-reader';
import { FuseConnection } from './fuse-connection';
import {
  FSYNC_FDATASYNC,
  FuseOpcode,
  GETATTR_FH,
  MAX_WRITE,
  NotifyCode,
  OpenOutFlag,
  RENAME_EXCHANGE,
  RENAME_NOREPLACE,
  S_IFMT,
  S_IFREG,
  SetAttrValid,
} from './fuse-protocol';
import {
  attrOut,
  entryOut,
  invalEntryOut,
  invalInodeOut,
  lseekOut,
  openOut,
  statfsOut,
  validity,
  Validity,
  writeOut,
  xattrSizeOut,
} from './fuse-reply';
import { FuseRequest } from './fuse-request';
import { negotiateInit, Negotiated } from './init-negotiation';
import { KernelRequestContext } from './kernel-request-context';
import { LookupCounts } from './lookup-counts';
import { OpenService, PassthroughFiles } from './passthrough-files';
import { setReadAhead } from './read-ahead';

/** What a request's answer is: reply parts, or nothing for requests the kernel expects no reply to. */
type Body = readonly Buffer[];

const NO_BODY: Body = [];
const O_ACCMODE = 3;
/** libfuse answers statfs this way when the filesystem has no statfs handler. */
const DEFAULT_STATFS: FsStats = { bsize: 512, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0, namelen: 255 };
const WRITE_OPCODES = new Set<number>([
  FuseOpcode.SetAttr,
  FuseOpcode.Symlink,
  FuseOpcode.MkNod,
  FuseOpcode.MkDir,
  FuseOpcode.Unlink,
  FuseOpcode.RmDir,
  FuseOpcode.Rename,
  FuseOpcode.Rename2,
  FuseOpcode.Link,
  FuseOpcode.Write,
  FuseOpcode.Create,
  FuseOpcode.Fallocate,
  FuseOpcode.CopyFileRange,
  FuseOpcode.SetXattr,
  FuseOpcode.RemoveXattr,
]);
const XATTR_OPCODES = new Set<number>([FuseOpcode.GetXattr, FuseOpcode.ListXattr, FuseOpcode.SetXattr, FuseOpcode.RemoveXattr]);
/**
 * Requests that change nothing and hand the kernel nothing it must count or release (unlike lookup, open and
 * readdirplus): answered EINTR the moment they are interrupted.
 */
const ANSWERED_EARLY_WHEN_INTERRUPTED = new Set<number>([
  FuseOpcode.GetAttr,
  FuseOpcode.ReadLink,
  FuseOpcode.Read,
  FuseOpcode.StatFs,
  FuseOpcode.GetXattr,
  FuseOpcode.ListXattr,
  FuseOpcode.ReadDir,
  FuseOpcode.Access,
]);

/**
 * The kernel transport: speaks the FUSE protocol on /dev/fuse itself, inode-based end to end — a LOOKUP(parent, name)
 * reaches the session as it is. Every request is answered exactly once (or, for FORGET and INTERRUPT, never); a
 * handler's failure becomes its errno, anything unexpected EIO and a log line.
 */
export class KernelTransport implements FuseTransport {
  readonly kind = 'kernel';
  private connection?: FuseConnection;
  private readonly buffers = new RequestBufferPool(MAX_WRITE);
  /** Requests taken and not answered yet, by the kernel's id: INTERRUPT names one of them. */
  private readonly running = new Map<bigint, KernelRequestContext>();
  private readonly lookups = new LookupCounts();
  private readonly directories: DirectoryReader;
  private inflight = 0;
  private readonly drainWaiters: Array<() => void> = [];
  private initialized?: { resolve: () => void; reject: (error: Error) => void };
  private readonly entryValid: Validity;
  private readonly attrValid: Validity;
  /** With pageCache 'auto': the size and mtime each file had when last opened, to keep its pages if unchanged. */
  private readonly openedVersions = new Map<Ino, string>();
  /** Inodes the filesystem invalidated since their last open: their next open drops the kernel's cached pages. */
  private readonly invalidatedSinceOpen = new Set<Ino>();
  private readonly stats?: OpLatencyStats;
  /** What hears of every answered request: the op statistics and the metrics, when kept. */
  private readonly observer?: OpObserver;
  private detachKernel?: () => void;
  /** The kernel agreed to keep written pages and write them back later (the writebackCache option). */
  private writeback = false;
  /** Passthrough opens, once the kernel agreed to passthrough in INIT. */
  private passthrough?: PassthroughFiles;

  constructor(
    private readonly session: FilesystemSession,
    readonly mountpoint: string,
    private readonly options: FuseMountOptions,
    private readonly logger = new Logger('KernelTransport'),
    metrics?: OpObserver,
  ) {
    this.entryValid = validity(options.kernelEntryTtlSeconds ?? 1);
    this.attrValid = validity(options.kernelAttrTtlSeconds ?? 1);
    this.stats = options.opStats ? new OpLatencyStats() : undefined;
    this.observer = combineObservers(this.stats, metrics);
    this.directories = new DirectoryReader(session, (attr) => this.present(attr), this.entryValid, this.attrValid);
  }

  get readOnly(): boolean {
    return Boolean(this.options.readOnly) || !this.session.writable;
  }

  opLatency(): OpLatencyRow[] | undefined {
    return this.stats?.rows();
  }

  async mount(): Promise<void> {
    const connection = new FuseConnection(this.mountpoint, this.logger);
    const initialized = new Promise<void>((resolve, reject) => (this.initialized = { resolve, reject }));
    this.connection = connection;
    try {
      await connection.open(
        {
          fsname: sanitize(this.options.fsname ?? `nestjs-fuse-${this.session.name}`),
          readOnly: this.readOnly,
          allowOther: Boolean(this.options.allowOther),
          defaultPermissions: Boolean(this.options.allowOther || this.options.defaultPermissions),
        },
        (request, lent) => this.dispatch(request, lent),
      );
    } catch (error) {
      this.connection = undefined;
      throw error;
    }
    // To the kernel, a name released to save memory and a name that changed are the same notification.
    const invalidateEntry = (parent: Ino, name: string): boolean => connection.notify(NotifyCode.InvalEntry, invalEntryOut(parent, name));
    this.detachKernel = this.session.attachKernel({
      invalidateInode: (ino) => {
        this.openedVersions.delete(ino);
        this.invalidatedSinceOpen.add(ino);
        connection.notify(NotifyCode.InvalInode, invalInodeOut(ino, 0, 0));
      },
      invalidateEntry: (parent, name) => void invalidateEntry(parent, name),
      releaseEntry: invalidateEntry,
    });
    try {
      await initialized;
    } catch (error) {
      this.detachKernel?.();
      await connection.unmount().catch(() => undefined);
      connection.close();
      this.connection = undefined;
      throw error;
    }
    // Read-ahead in requests of the largest size, not the kernel's 128 KiB: an eighth of the round trips.
    if (!(await setReadAhead(this.mountpoint, MAX_WRITE)))
      this.logger.debug(`Read-ahead at ${this.mountpoint} stays the kernel's (setting it needs root)`);
  }

  async unmount(): Promise<void> {
    const connection = this.connection;
    if (!connection) return;
    this.detachKernel?.();
    await connection.unmount();
    await this.drain();
    connection.close();
    this.connection = undefined;
    if (this.stats)
      this.logger.log(`Op latencies at ${this.mountpoint}, from each request's arrival in JavaScript to its answer:\n${this.stats.format()}`);
  }

  private async drain(): Promise<void> {
    while (this.inflight > 0) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
  }

  // ── dispatch ───────────────────────────────────────────────────────────────────────────────────────────────────

  /** `lent`: the reader's buffer a large WRITE was read into, lent back once the write is done with it. */
  private dispatch(bytes: Buffer, lent?: Buffer): void {
    let request: FuseRequest;
    try {
      request = new FuseRequest(bytes);
    } catch (error) {
      this.logger.error(`Unreadable FUSE request: ${describeError(error)}`);
      if (lent) this.connection?.lend(lent, true);
      return;
    }
    const op = request.opcode;
    if (lent && (op !== FuseOpcode.Write || this.readOnly)) this.connection?.lend(lent, true);
    else if (lent) return this.write(request, new KernelRequestContext(request), lent);
    if (op === FuseOpcode.Forget) return this.forget(request, request.nodeid, request.u64());
    if (op === FuseOpcode.BatchForget) return this.batchForget(request);
    if (op === FuseOpcode.Interrupt) return this.running.get(request.u64n())?.interrupt();
    if (op === FuseOpcode.Init) return this.init(request);
    const context = new KernelRequestContext(request);
    if (this.readOnly && WRITE_OPCODES.has(op)) return this.answer(request, context, () => Promise.reject(FsError.readOnly()));
    if (this.options.xattrs === false && XATTR_OPCODES.has(op)) return this.answer(request, context, () => Promise.reject(FsError.notImplemented()));
    if (op === FuseOpcode.Read) return this.read(request, context);
    const work = this.handlerFor(request, context);
    if (!work) return this.answer(request, context, () => Promise.reject(FsError.notImplemented(`FUSE opcode ${op} is not supported`)));
    this.answer(request, context, work);
  }

  /** The work that answers `request`, or undefined for an opcode this transport does not serve (ENOSYS). */
  private handlerFor(request: FuseRequest, c: KernelRequestContext): (() => Promise<Body>) | undefined {
    const s = this.session;
    const ino = request.nodeid;
    switch (request.opcode as FuseOpcode) {
      case FuseOpcode.Lookup: {
        const name = request.name();
        return async () => [this.entry(await s.lookup(ino, name, c).then((e) => e.attr))];
      }
      case FuseOpcode.GetAttr: {
        const flags = request.u32();
        request.skip(4);
        const fh = request.u64();
        return async () => [attrOut(this.present(await s.getattr(ino, flags & GETATTR_FH ? fh : undefined, c)), this.attrValid)];
      }
      case FuseOpcode.SetAttr:
        return this.setattr(request, c);
      case FuseOpcode.ReadLink:
        return async () => [Buffer.from(await s.readlink(ino, c))];
      case FuseOpcode.Symlink: {
        const name = request.name();
        const target = request.name();
        return async () => [this.entry((await s.symlink(ino, name, target, c)).attr)];
      }
      case FuseOpcode.MkNod:
        return this.mknod(request, c);
      case FuseOpcode.MkDir: {
        const mode = request.u32();
        c.umask = request.u32();
        const name = request.name();
        return async () => [this.entry((await s.mkdir(ino, name, mode & 0o7777, c)).attr)];
      }
      case FuseOpcode.Unlink: {
        const name = request.name();
        return async () => (await s.unlink(ino, name, c), NO_BODY);
      }
      case FuseOpcode.RmDir: {
        const name = request.name();
        return async () => (await s.rmdir(ino, name, c), NO_BODY);
      }
      case FuseOpcode.Rename:
      case FuseOpcode.Rename2: {
        const newParent = request.u64();
        const flags = request.opcode === FuseOpcode.Rename2 ? request.u32() : 0;
        if (request.opcode === FuseOpcode.Rename2) request.skip(4);
        const name = request.name();
        const newName = request.name();
        // RENAME_EXCHANGE goes to the @Exchange() handler; without one it is refused, never taken for a plain rename.
        if (flags === RENAME_EXCHANGE) {
          if (!s.implements(FuseOp.Exchange)) return () => Promise.reject(FsError.invalid(`${s.name} cannot exchange names`));
          return async () => (await s.exchange(ino, name, newParent, newName, c), NO_BODY);
        }
        // RENAME_NOREPLACE is checked here (the kernel checked its own view already); RENAME_WHITEOUT is for overlayfs.
        if ((flags & ~RENAME_NOREPLACE) !== 0)
          return () => Promise.reject(FsError.invalid('RENAME_WHITEOUT and combined rename flags are not supported'));
        return async () => {
          if (flags & RENAME_NOREPLACE && (await this.exists(newParent, newName, c))) throw FsError.exists();
          await s.rename(ino, name, newParent, newName, 0, c);
          return NO_BODY;
        };
      }
      case FuseOpcode.Link: {
        const existing = request.u64();
        const name = request.name();
        return async () => [this.entry((await s.link(existing, ino, name, c)).attr)];
      }
      case FuseOpcode.Open: {
        const flags = this.forWriteback(request.u32());
        c.passthrough = this.passthrough?.available(ino) ?? false;
        return async () => {
          const reply = await s.openReply(ino, flags, c);
          return [await this.openAnswer(ino, reply, flags, c)];
        };
      }
      case FuseOpcode.Write:
        return this.writeWork(request, c);
      case FuseOpcode.StatFs:
        return async () => [statfsOut(s.implements(FuseOp.StatFs) ? await s.statfs(ino, c) : DEFAULT_STATFS)];
      case FuseOpcode.Release:
      case FuseOpcode.ReleaseDir: {
        const fh = request.u64();
        const flags = request.u32();
        const dir = request.opcode === FuseOpcode.ReleaseDir;
        return async () => {
          try {
            await (dir ? s.releasedir(ino, fh, c) : s.release(ino, fh, flags, c));
          } finally {
            if (!dir) this.passthrough?.detach(ino, fh);
          }
          return NO_BODY;
        };
      }
      case FuseOpcode.Fsync: {
        const fh = request.u64();
        const flags = request.u32();
        return async () => (await s.fsync(ino, fh, (flags & FSYNC_FDATASYNC) !== 0, c), NO_BODY);
      }
      case FuseOpcode.FsyncDir:
        return async () => NO_BODY;
      case FuseOpcode.Flush: {
        const fh = request.u64();
        return async () => (await s.flush(ino, fh, c), NO_BODY);
      }
      case FuseOpcode.SetXattr: {
        const size = request.u32();
        const flags = request.u32();
        const name = request.name();
        const value = Buffer.from(request.bytes(size));
        return async () => (await s.setxattr(ino, name, value, flags, c), NO_BODY);
      }
      case FuseOpcode.GetXattr: {
        const size = request.u32();
        request.skip(4);
        const name = request.name();
        return async () => sized(await s.getxattr(ino, name, c), size);
      }
      case FuseOpcode.ListXattr: {
        const size = request.u32();
        return async () => sized(Buffer.concat((await s.listxattr(ino, c)).map((name) => Buffer.from(`${name}\0`))), size);
      }
      case FuseOpcode.RemoveXattr: {
        const name = request.name();
        return async () => (await s.removexattr(ino, name, c), NO_BODY);
      }
      case FuseOpcode.OpenDir: {
        const flags = request.u32();
        return async () => {
          const fh = await s.opendir(ino, flags, c);
          return [openOut(fh, 0)];
        };
      }
      case FuseOpcode.ReadDir:
      case FuseOpcode.ReadDirPlus: {
        const fh = request.u64();
        const offset = request.u64();
        const size = request.u32();
        const plus = request.opcode === FuseOpcode.ReadDirPlus;
        return async () => {
          const { body, counted } = await this.directories.read(ino, fh, offset, size, plus, c);
          for (const child of counted) this.looked(child);
          return [body];
        };
      }
      case FuseOpcode.Access: {
        const mask = request.u32();
        // Without a handler the kernel is told ENOSYS once and stops asking (every access is then allowed).
        return async () => (await s.access(ino, mask, c), NO_BODY);
      }
      case FuseOpcode.Create: {
        const flags = this.forWriteback(request.u32());
        const mode = request.u32();
        c.umask = request.u32();
        request.skip(4);
        const name = request.name();
        c.passthrough = this.passthrough?.available() ?? false;
        return async () => {
          const reply = await s.create(ino, name, mode & 0o7777, flags, c);
          return [this.entry(reply.entry.attr), await this.openAnswer(reply.entry.attr.ino, reply, flags, c, 0)];
        };
      }
      case FuseOpcode.Fallocate: {
        const fh = request.u64();
        const offset = request.u64();
        const length = request.u64();
        const mode = request.u32();
        return async () => (await s.fallocate(ino, fh, offset, length, mode, c), NO_BODY);
      }
      case FuseOpcode.Lseek: {
        const fh = request.u64();
        const offset = request.u64();
        const whence = request.u32();
        return async () => [lseekOut(await s.lseek(ino, fh, offset, whence, c))];
      }
      case FuseOpcode.CopyFileRange: {
        const fh = request.u64();
        const offset = request.u64();
        const outIno = request.u64();
        const outFh = request.u64();
        const outOffset = request.u64();
        const length = request.u64();
        const flags = request.u64();
        return async () => [writeOut(await s.copyFileRange(ino, fh, offset, outIno, outFh, outOffset, length, flags, c))];
      }
      case FuseOpcode.Destroy:
        return async () => NO_BODY;
      default:
        return undefined;
    }
  }

  // ── ops with more to them ──────────────────────────────────────────────────────────────────────────────────────

  private init(request: FuseRequest): void {
    let negotiated: Negotiated;
    try {
      negotiated = negotiateInit(request, this.options);
    } catch (error) {
      this.connection?.reply(request.unique, -this.errnoOf(error));
      this.initialized?.reject(error as Error);
      return;
    }
    this.writeback = negotiated.writeback;
    if (negotiated.passthrough && this.connection) {
      this.passthrough = new PassthroughFiles(this.connection, (ino) => this.session.bypassAttrCache(ino), this.logger);
    }
    if (this.options.writebackCache && !this.writeback) this.logger.warn('The kernel does not offer a writeback cache: writes go through at once.');
    this.connection?.reply(request.unique, 0, [negotiated.body]);
    this.initialized?.resolve();
  }

  private setattr(request: FuseRequest, context: RequestContext): () => Promise<Body> {
    const valid = request.u32();
    request.skip(4);
    const fh = request.u64();
    const size = request.u64();
    request.skip(8);
    const atime = request.u64();
    const mtime = request.u64();
    request.skip(8);
    const atimensec = request.u32();
    const mtimensec = request.u32();
    request.skip(4);
    const mode = request.u32();
    request.skip(4);
    const uid = request.u32();
    const gid = request.u32();
    const changes: SetAttrChanges = {};
    if (valid & SetAttrValid.MODE) changes.mode = mode & 0o7777;
    if (valid & SetAttrValid.UID) changes.uid = uid;
    if (valid & SetAttrValid.GID) changes.gid = gid;
    if (valid & SetAttrValid.SIZE) changes.size = size;
    const now = new Date();
    if (valid & SetAttrValid.ATIME) {
      changes.atime = valid & SetAttrValid.ATIME_NOW ? now : timeOf(atime, atimensec);
      if (!(valid & SetAttrValid.ATIME_NOW)) changes.atimeNsec = atimensec;
    }
    if (valid & SetAttrValid.MTIME) {
      changes.mtime = valid & SetAttrValid.MTIME_NOW ? now : timeOf(mtime, mtimensec);
      if (!(valid & SetAttrValid.MTIME_NOW)) changes.mtimeNsec = mtimensec;
    }
    const handle = valid & SetAttrValid.FH ? fh : undefined;
    const ino = request.nodeid;
    return async () => {
      const attr =
        Object.keys(changes).length === 0
          ? await this.session.getattr(ino, handle, context)
          : await this.session.setattr(ino, changes, handle, context);
      return [attrOut(this.present(attr), this.attrValid)];
    };
  }

  /**
   * Special files go to the filesystem's @MkNod() handler; a regular file without one is an empty create. A filesystem
   * that cannot make special files refuses them with EPERM, as a filesystem that does not support them does.
   */
  private mknod(request: FuseRequest, context: KernelRequestContext): () => Promise<Body> {
    const mode = request.u32();
    const rdev = request.u32();
    context.umask = request.u32();
    request.skip(4);
    const name = request.name();
    const parent = request.nodeid;
    if (this.session.implements(FuseOp.MkNod)) {
      return async () => [this.entry((await this.session.mknod(parent, name, mode, rdev, context)).attr)];
    }
    if ((mode & S_IFMT) !== S_IFREG) return () => Promise.reject(FsError.notPermitted(`${this.session.name} cannot make special files`));
    return async () => {
      const reply = await this.session.create(parent, name, mode & 0o7777, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, context);
      await this.session.release(reply.entry.attr.ino, reply.fh, 0, context);
      return [this.entry(reply.entry.attr)];
    };
  }

  /**
   * Reads take their own path, in callback form, as on the other transport: the handler may fill a pooled scratch
   * buffer, which goes back to the pool once the reply holding it is written.
   */
  private read(request: FuseRequest, context: KernelRequestContext): void {
    const fh = request.u64();
    const offset = request.u64();
    const size = request.u32();
    const scratch = this.buffers.take(size);
    const reply = this.replier(request, context);
    this.session.readWith(
      request.nodeid,
      fh,
      offset,
      size,
      scratch,
      (error, data) => {
        reply(error, error ? undefined : [data as Buffer]);
        this.buffers.give(scratch, error);
      },
      context,
    );
  }

  private writeWork(request: FuseRequest, context: RequestContext): () => Promise<Body> {
    const fh = request.u64();
    const offset = request.u64();
    const size = request.u32();
    request.skip(20);
    const data = request.bytes(size);
    const ino = request.nodeid;
    return async () => [writeOut(await this.session.write(ino, fh, offset, data, context))];
  }

  /** A WRITE read into a lent buffer: the buffer goes back once the handler is done with the data. */
  private write(request: FuseRequest, context: KernelRequestContext, lent: Buffer): void {
    const work = this.writeWork(request, context);
    this.answer(request, context, () =>
      work().then(
        (body) => {
          this.connection?.lend(lent, true);
          return body;
        },
        (error: unknown) => {
          this.connection?.lend(lent, !abandonedByDeadline(error));
          throw error;
        },
      ),
    );
  }

  /**
   * With the writeback cache the kernel writes a file's dirty pages at offsets it chose, and may read a page of a file
   * opened only for writing to fill it first: the handler must neither append on its own nor refuse those reads.
   */
  private forWriteback(flags: number): number {
    if (!this.writeback) return flags;
    const readable = (flags & O_ACCMODE) === fsConstants.O_WRONLY ? (flags & ~O_ACCMODE) | fsConstants.O_RDWR : flags;
    return readable & ~fsConstants.O_APPEND;
  }

  /**
   * The answer to a new open: through the backing file its handler offered, or through the handlers — naming the
   * inode's backing file with direct I/O while other opens use passthrough, else with the page-cache flags of the
   * mount's policy (`cachedFlags` when given). If the open cannot be served at all, the handler's file handle is released and the
   * open fails.
   */
  private async openAnswer(ino: Ino, reply: OpenReply, flags: number, context: RequestContext, cachedFlags?: number): Promise<Buffer> {
    if (!this.passthrough) return openOut(reply.fh, cachedFlags ?? (await this.openFlags(ino, context)));
    let service: OpenService;
    try {
      service = this.passthrough.serve(ino, reply.fh, reply.passthrough, (flags & O_ACCMODE) !== fsConstants.O_RDONLY);
    } catch (error) {
      await this.session.release(ino, reply.fh, flags, context).catch(() => undefined);
      throw error;
    }
    if (service === 'cached') return openOut(reply.fh, cachedFlags ?? (await this.openFlags(ino, context)));
    return openOut(reply.fh, OpenOutFlag.PASSTHROUGH | (service.throughHandlers ? OpenOutFlag.DIRECT_IO : 0), service.backingId);
  }

  /** The page-cache flags of an open, by the mount's pageCache policy. */
  private async openFlags(ino: Ino, context: RequestContext): Promise<number> {
    // The notification that drops them is written by another thread and may come after this answer: an open that
    // follows an invalidation drops the cached pages itself, in order.
    const invalidated = this.invalidatedSinceOpen.delete(ino);
    switch (this.options.pageCache ?? 'auto') {
      case 'keep':
        return invalidated ? 0 : OpenOutFlag.KEEP_CACHE;
      case 'direct':
        return OpenOutFlag.DIRECT_IO;
      case 'drop':
        return 0;
      case 'auto': {
        const attr = await this.session.getattr(ino, undefined, context);
        const version = `${attr.size}:${attr.mtime.getTime()}`;
        const unchanged = this.openedVersions.get(ino) === version;
        this.openedVersions.set(ino, version);
        return unchanged && !invalidated ? OpenOutFlag.KEEP_CACHE : 0;
      }
    }
  }

  private exists(parent: Ino, name: string, context: RequestContext): Promise<boolean> {
    return this.session.lookup(parent, name, context).then(
      () => true,
      (error: unknown) => {
        if (error instanceof FsError && error.code === 'ENOENT') return false;
        throw error;
      },
    );
  }

  // ── lookup counts ────────────────────────────────────────────────────────────────────────────────────────────

  /** An entry reply: the kernel now holds `attr.ino` once more. */
  private entry(attr: FileAttr): Buffer {
    this.looked(attr.ino);
    return entryOut(this.present(attr), this.entryValid, this.attrValid);
  }

  private looked(ino: Ino): void {
    this.lookups.given(ino);
  }

  private forget(request: FuseRequest, ino: Ino, count: number): void {
    if (!this.lookups.forgotten(ino, count)) return;
    this.openedVersions.delete(ino);
    this.invalidatedSinceOpen.delete(ino);
    // The kernel expects no answer: a failing @Forget() handler is only logged (by the session).
    this.session.forget(ino, new KernelRequestContext(request), () => !this.lookups.held(ino)).catch(() => undefined);
  }

  private batchForget(request: FuseRequest): void {
    const count = request.u32();
    request.skip(4);
    for (let i = 0; i < count; i++) this.forget(request, request.u64(), request.u64());
  }

  /** Attributes as the mount shows them: the uid, gid and umask options override the handler's. */
  private present(attr: FileAttr): FileAttr {
    const { uid, gid, umask } = this.options;
    if (uid === undefined && gid === undefined && umask === undefined) return attr;
    return {
      ...attr,
      ...(uid !== undefined ? { uid } : {}),
      ...(gid !== undefined ? { gid } : {}),
      ...(umask !== undefined ? { perm: 0o777 & ~umask } : {}),
    };
  }

  // ── answering ────────────────────────────────────────────────────────────────────────────────────────────────

  /** Runs `work` and writes its reply (or its errno) exactly once; nothing thrown escapes. */
  private answer(request: FuseRequest, context: KernelRequestContext, work: () => Promise<Body>): void {
    const reply = this.replier(request, context);
    let promise: Promise<Body>;
    try {
      promise = work();
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (body) => reply(undefined, body),
      (error: unknown) => reply(error),
    );
  }

  /**
   * The one answer of a request: a body, or the errno of an error (EINTR once the kernel interrupted it). A request that
   * changes nothing is answered EINTR as soon as it is interrupted, and its handler's late answer is dropped; one
   * that may change something is answered when its handler is done, so the caller never takes a change for a failure.
   */
  private replier(request: FuseRequest, context: KernelRequestContext): (error: unknown, body?: Body) => void {
    this.inflight += 1;
    this.running.set(request.unique, context);
    const observer = this.observer;
    const op = observer ? opName(request.opcode) : '';
    observer?.started(op);
    const started = observer ? performance.now() : 0;
    let answered = false;
    const reply = (error: unknown, body?: Body): void => {
      if (answered) return;
      answered = true;
      this.running.delete(request.unique);
      try {
        const errno = error === undefined ? 0 : context.interrupted ? FsError.interrupted().errno : this.errnoOf(error);
        this.connection?.reply(request.unique, -errno, errno === 0 ? body : undefined);
        observer?.answered(op, (performance.now() - started) / 1000, errno, errno === 0 ? transferred(request.opcode, body) : 0);
      } catch (failure) {
        this.logger.error(`Answering FUSE request ${request.unique} failed: ${describeError(failure)}`);
      } finally {
        this.settled();
      }
    };
    if (ANSWERED_EARLY_WHEN_INTERRUPTED.has(request.opcode)) context.answerEarly = () => reply(FsError.interrupted());
    return reply;
  }

  /** The positive errno that answers `error`; anything but an FsError is unexpected here, so EIO and a log line. */
  private errnoOf(error: unknown): number {
    if (error instanceof FsError) return error.errno;
    this.logger.error(`Unexpected failure in the kernel transport, answered EIO: ${describeError(error)}`);
    return FsError.io().errno;
  }

  private settled(): void {
    this.inflight -= 1;
    if (this.inflight === 0 && this.drainWaiters.length > 0) for (const wake of this.drainWaiters.splice(0)) wake();
  }
}

/** A getxattr/listxattr answer: the size alone when asked with size 0, ERANGE when the caller's buffer is too small. */
function sized(value: Buffer, size: number): Body {
  if (size === 0) return [xattrSizeOut(value.length)];
  if (value.length > size) throw FsError.range();
  return [value];
}

function timeOf(seconds: number, nanoseconds: number): Date {
  return new Date(seconds * 1000 + Math.floor(nanoseconds / 1e6));
}

function sanitize(value: string): string {
  return value.replace(/[^A-Za-z0-9._@:+-]/g, '_');
}

/** Each opcode's name as metrics and --op-stats label it, made once rather than on every request. */
const OP_NAMES = new Map<number, string>(
  Object.entries(FuseOpcode)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
    .map(([name, opcode]) => [opcode, name.toLowerCase()]),
);

function opName(opcode: number): string {
  return OP_NAMES.get(opcode) ?? String(opcode);
}

/** The bytes a READ answered with, or a WRITE took. */
function transferred(opcode: number, body: Body | undefined): number {
  if (!body) return 0;
  if (opcode === FuseOpcode.Read) return body.reduce((sum, part) => sum + part.length, 0);
  if (opcode === FuseOpcode.Write) return body[0]?.readUInt32LE(0) ?? 0;
  return 0;
}
