import { Logger } from '@nestjs/common';
import { constants as fsConstants } from 'node:fs';
import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, posix } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FsError } from './errors/fs-error';
import { MountException } from './errors/mount.exception';
import type { FilesystemSession } from './filesystem-session';
import { FuseOp, ROOT_INO } from './fuse.constants';
import { describeError, PREBUILT_BINARY_MESSAGE, WRITEBACK_ON_FUSE_NATIVE_MESSAGE } from './fuse.messages';
import { buildMountArgs } from './fuse-mount-options';
import type { Fh, FileAttr, Ino } from './interfaces/file-attr.interface';
import type { FuseMountOptions } from './interfaces/fuse-module-options.interface';
import type { FuseTransport } from './interfaces/fuse-transport.interface';
import { FuseNativeHandles, OpenHandle } from './fuse-native.handles';
import { FuseNativeInodeNumbers } from './fuse-native.inode-numbers';
import { FuseNativeDirectories } from './fuse-native.directories';
import { FuseNativeReads } from './fuse-native.reads';
import { NativeStat, toNativeDirentStat, toNativeStat, toNativeStatArray, toNativeStatFs } from './fuse-native.stat';
import { combineObservers } from './metrics/op-observers';
import type { OpObserver } from './metrics/op-observer.interface';
import { OpLatencyRow, OpLatencyStats } from './op-latency.stats';
import { RequestBufferPool } from './request-buffer.pool';

type NativeCallback = (...args: unknown[]) => void;
type NativeOps = Record<string, (...args: never[]) => void>;
/** What the binding calls per op code: the request's native handle, the op code, then the op's arguments. */
type NativeHandlers = Array<((...args: never[]) => void) | undefined>;
type FuseNativeClass = typeof import('fuse-native');

const UINT32_MAX = 0xffff_ffff;

/**
 * The only code that knows fuse-native. It turns fuse-native's path-based callbacks into calls on a
 * {@link FilesystemSession} (paths → inodes, kernel handles → filesystem handles), and every outcome into the
 * callback form fuse-native expects, errors as negative errno. Nothing thrown by a handler reaches fuse-native.
 */
export class FuseNativeAdapter implements FuseTransport {
  readonly kind = 'fuse-native';
  private native?: InstanceType<FuseNativeClass>;
  private readonly handles = new FuseNativeHandles();
  private readonly buffers = new RequestBufferPool();
  private readonly reads: FuseNativeReads;
  private readonly inodeNumbers = new FuseNativeInodeNumbers();
  private readonly directories: FuseNativeDirectories;
  /** Requests taken from the kernel and not answered yet; unmount waits for them. */
  private inflight = 0;
  private readonly drainWaiters: Array<() => void> = [];
  /**
   * How long the patched binding may answer from what JavaScript told it — listed attributes, missing extended
   * attributes — without asking again: as long as the module's attribute cache would.
   */
  private readonly bindingCacheTtlMs: number;
  private readonly stats?: OpLatencyStats;
  /** What hears of every answered request: the op statistics and the metrics, when kept. */
  private readonly observer?: OpObserver;
  /** Set by mount(): fuse-native's prebuilt binary is in use instead of the patched binding. */
  private prebuiltBinary = false;

  constructor(
    private readonly session: FilesystemSession,
    readonly mountpoint: string,
    private readonly options: FuseMountOptions,
    private readonly logger = new Logger('FuseNativeAdapter'),
    metrics?: OpObserver,
  ) {
    this.bindingCacheTtlMs = Math.min(Math.max(0, Math.floor(session.attrTtlMs)), UINT32_MAX);
    this.stats = options.opStats ? new OpLatencyStats() : undefined;
    this.observer = combineObservers(this.stats, metrics);
    this.reads = new FuseNativeReads(session, this.handles, this.buffers);
    this.directories = new FuseNativeDirectories(session);
  }

  /** True when the filesystem is served read-only (no write ops, or the readOnly option). */
  get readOnly(): boolean {
    return Boolean(this.options.readOnly) || !this.session.writable;
  }

  /** The libfuse options this mount uses. */
  get mountArgs(): string[] {
    return buildMountArgs(this.options, { filesystem: this.session.name, readOnly: this.readOnly, nullPaths: !this.prebuiltBinary });
  }

  async mount(): Promise<void> {
    const Fuse = loadFuseNative();
    this.prebuiltBinary = !(await patchedBindingBuilt());
    if (this.prebuiltBinary) this.logger.warn(PREBUILT_BINARY_MESSAGE);
    if (this.options.writebackCache) this.logger.warn(WRITEBACK_ON_FUSE_NATIVE_MESSAGE);
    const optionString = `-o${this.mountArgs.join(',')}`;
    // AdaptedFuse's methods run with fuse-native's `this`; they reach the adapter through this name.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const adapter = this;
    class AdaptedFuse extends Fuse {
      protected override _fuseOptions(): string {
        return optionString;
      }
      // fuse-native's fgetattr drops the handle, its getxattr/listxattr never answer ERANGE and its create drops the
      // flags: replaced here.
      _op_fgetattr(signal: NativeCallback, _path: string, fd: number): void {
        adapter.fgetattr(fd, adapter.timed('fgetattr', signal));
      }
      _op_getxattr(signal: NativeCallback, path: string, name: string, valueBuf: Buffer): void {
        adapter.getxattr(path, name, valueBuf, adapter.timed('getxattr', signal));
      }
      _op_listxattr(signal: NativeCallback, path: string, listBuf: Buffer): void {
        adapter.listxattr(path, listBuf, adapter.timed('listxattr', signal));
      }
      // Upstream passes no flags; the binding scripts/build-fuse-native.js builds passes them as a fourth argument.
      _op_create(signal: NativeCallback, path: string, mode: number, flags?: number): void {
        adapter.create(path, mode, flags, adapter.timed('create', signal));
      }
      // With that binding, a listing's attributes answer the lookups of its names for as long as the module's
      // attribute cache would (bindingCacheTtlMs, an argument the prebuilt binary ignores).
      _op_readdir(signal: NativeCallback, path: string): void {
        adapter.reply(
          adapter.timed('readdir', signal),
          () => adapter.listDirectory(path),
          ([names, stats]) => [0, names, stats.map(toNativeStatArray), adapter.bindingCacheTtlMs],
        );
      }
      protected override _makeHandlerArray(): NativeHandlers {
        return adapter.withDirectDataHandlers(super._makeHandlerArray());
      }
    }
    const native = new AdaptedFuse(this.mountpoint, this.buildOps() as Record<string, NativeCallback>, {
      timeout: false,
    });
    await new Promise<void>((resolve, reject) => {
      native.mount((error) => (error ? reject(error) : resolve()));
    }).catch((error: unknown) => {
      throw new MountException(
        `Could not mount at ${this.mountpoint}: ${describeError(error).split('\n')[0]}. ` +
          'Check that /dev/fuse exists and is writable by this user, that fusermount is installed (Debian: apt-get install fuse libfuse2), ' +
          'and that the mountpoint is an empty directory that nothing else is mounted on.',
      );
    });
    this.native = native;
  }

  /**
   * Detaches the mount (no new requests), then waits until every request already taken — a close waiting for its
   * upload, say — has been answered, so no caller sees the daemon vanish. Each request is bounded by its deadline.
   */
  async unmount(): Promise<void> {
    const native = this.native;
    if (!native) return;
    this.native = undefined;
    await new Promise<void>((resolve, reject) => native.unmount((error) => (error ? reject(error) : resolve())));
    await this.drain();
    if (this.stats)
      this.logger.log(`Op latencies at ${this.mountpoint}, from each request's arrival in JavaScript to its answer:\n${this.stats.format()}`);
  }

  private async drain(): Promise<void> {
    while (this.inflight > 0) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    // The last answer is handed to the native side on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
  }

  // ── the fuse-native op table ───────────────────────────────────────────────────────────────────────────────

  private buildOps(): NativeOps {
    const s = this.session;
    const ops: NativeOps = {
      getattr: (path: string, cb: NativeCallback) =>
        this.reply(
          cb,
          () => this.onPath(path, (ino) => s.getattr(ino)),
          (attr) => [0, this.stat(attr)],
        ),
      // Routed to the _op_readdir override in mount().
      readdir: () => undefined,
      opendir: (path: string, _flags: number, cb: NativeCallback) =>
        this.reply(
          cb,
          () =>
            this.onPath(path, async (ino) => {
              if ((await s.getattr(ino)).kind !== 'dir') throw FsError.notDirectory();
              this.directories.opened(path);
            }),
          () => [0, 0],
        ),
      releasedir: (path: string, _fd: number, cb: NativeCallback) =>
        this.reply(
          cb,
          () => this.directories.released(path),
          () => [0],
        ),
      open: (path: string, flags: number, cb: NativeCallback) =>
        this.reply(
          cb,
          () => this.onPath(path, async (ino) => this.addHandle(ino, await s.open(ino, flags))),
          (handle) => [0, handle],
        ),
      // Served by withDirectDataHandlers().
      read: () => undefined,
      release: (_path: string, fd: number, cb: NativeCallback) =>
        this.reply(
          cb,
          () => this.closeHandle(fd, (h) => s.release(h.ino, h.fh, 0)),
          () => [0],
        ),
      statfs: (path: string, cb: NativeCallback) =>
        this.reply(
          cb,
          () => this.onPath(path, (ino) => s.statfs(ino)),
          (stats) => [0, toNativeStatFs(stats)],
        ),
      readlink: (path: string, cb: NativeCallback) =>
        this.reply(
          cb,
          () => this.onPath(path, (ino) => s.readlink(ino)),
          (target) => [0, target],
        ),
      access: (path: string, mode: number, cb: NativeCallback) =>
        this.reply(
          cb,
          () => this.onPath(path, (ino) => s.access(ino, mode)),
          () => [0],
        ),
      // Marks the op implemented so fuse-native routes it to the _op_* overrides in mount().
      fgetattr: () => undefined,
      getxattr: () => undefined,
      listxattr: () => undefined,
    };
    if (!this.readOnly) Object.assign(ops, this.buildWriteOps());
    // Absent ops answer ENOSYS, after which the kernel stops sending them.
    if (this.options.xattrs === false) for (const op of XATTR_OPS) delete ops[op];
    return this.timedOps(this.onlyImplemented(ops));
  }

  /** With op statistics or metrics, each op's answer callback (always its last argument) records the op. */
  private timedOps(ops: NativeOps): NativeOps {
    if (!this.observer) return ops;
    const timed =
      (name: string, op: (...args: never[]) => void) =>
      (...args: unknown[]): void => {
        args[args.length - 1] = this.timed(name, args[args.length - 1] as NativeCallback);
        (op as (...a: unknown[]) => void)(...args);
      };
    return Object.fromEntries(Object.entries(ops).map(([name, op]) => [name, timed(name, op)]));
  }

  /**
   * `cb`, recording the op from now until it is called, when the mount keeps op statistics or metrics; `cb` itself
   * otherwise. An answer below zero is a negative errno; a read's or write's answer at or above zero is its byte count.
   */
  timed(op: string, cb: NativeCallback): NativeCallback {
    const observer = this.observer;
    if (!observer) return cb;
    observer.started(op);
    const started = performance.now();
    return (...args: unknown[]) => {
      const result = typeof args[0] === 'number' ? args[0] : 0;
      const bytes = (op === 'read' || op === 'write') && result > 0 ? result : 0;
      observer.answered(op, (performance.now() - started) / 1000, result < 0 ? -result : 0, bytes);
      cb(...args);
    };
  }

  /** Each op's latency histogram so far, with `opStats`; undefined without. */
  opLatency(): OpLatencyRow[] | undefined {
    return this.stats?.rows();
  }

  private buildWriteOps(): NativeOps {
    const s = this.session;
    const done = (): unknown[] => [0];
    return {
      // Routed to the _op_create override in mount(), which also receives the open flags.
      create: () => undefined,
      // Served by withDirectDataHandlers().
      write: () => undefined,
      flush: (_path: string, fd: number, cb: NativeCallback) => this.reply(cb, () => this.withHandle(fd, (h) => s.flush(h.ino, h.fh)), done),
      fsync: (_path: string, datasync: number, fd: number, cb: NativeCallback) =>
        this.reply(cb, () => this.withHandle(fd, (h) => s.fsync(h.ino, h.fh, datasync !== 0)), done),
      truncate: (path: string, size: number, cb: NativeCallback) => this.reply(cb, () => this.onPath(path, (ino) => s.setattr(ino, { size })), done),
      ftruncate: (_path: string, fd: number, size: number, cb: NativeCallback) =>
        this.reply(cb, () => this.withHandle(fd, (h) => s.setattr(h.ino, { size }, h.fh)), done),
      chmod: (path: string, mode: number, cb: NativeCallback) =>
        this.reply(cb, () => this.onPath(path, (ino) => s.setattr(ino, { mode: mode & 0o7777 })), done),
      chown: (path: string, uid: number, gid: number, cb: NativeCallback) =>
        this.reply(
          cb,
          () =>
            this.onPath(path, (ino) =>
              s.setattr(ino, {
                ...(uid !== UINT32_MAX && uid !== -1 ? { uid } : {}),
                ...(gid !== UINT32_MAX && gid !== -1 ? { gid } : {}),
              }),
            ),
          done,
        ),
      utimens: (path: string, atime: number, mtime: number, cb: NativeCallback) =>
        this.reply(cb, () => this.onPath(path, (ino) => s.setattr(ino, { atime: new Date(atime), mtime: new Date(mtime) })), done),
      mkdir: (path: string, mode: number, cb: NativeCallback) =>
        this.reply(cb, () => this.onParent(path, (parent, name) => s.mkdir(parent, name, mode & 0o7777)), done),
      unlink: (path: string, cb: NativeCallback) => this.reply(cb, () => this.onParent(path, (parent, name) => s.unlink(parent, name)), done),
      rmdir: (path: string, cb: NativeCallback) => this.reply(cb, () => this.onParent(path, (parent, name) => s.rmdir(parent, name)), done),
      rename: (from: string, to: string, cb: NativeCallback) =>
        this.reply(
          cb,
          () => this.onParent(from, (parent, name) => this.onParent(to, (newParent, newName) => s.rename(parent, name, newParent, newName, 0))),
          done,
        ),
      link: (existing: string, newPath: string, cb: NativeCallback) =>
        this.reply(cb, () => this.onPath(existing, (ino) => this.onParent(newPath, (newParent, newName) => s.link(ino, newParent, newName))), done),
      symlink: (target: string, linkPath: string, cb: NativeCallback) =>
        this.reply(cb, () => this.onParent(linkPath, (parent, name) => s.symlink(parent, name, target)), done),
      setxattr: (path: string, name: string, value: Buffer, _position: number, flags: number, cb: NativeCallback) => {
        const copy = Buffer.from(value);
        this.reply(cb, () => this.onPath(path, (ino) => s.setxattr(ino, name, copy, flags)), done);
      },
      removexattr: (path: string, name: string, cb: NativeCallback) =>
        this.reply(cb, () => this.onPath(path, (ino) => s.removexattr(ino, name)), done),
    };
  }

  /** fuse-native treats a key's presence as "implemented": drop ops whose handler the filesystem lacks. */
  private onlyImplemented(ops: NativeOps): NativeOps {
    const needs: Record<string, FuseOp> = {
      readlink: FuseOp.ReadLink,
      statfs: FuseOp.StatFs,
      access: FuseOp.Access,
      getxattr: FuseOp.GetXattr,
      listxattr: FuseOp.ListXattr,
      create: FuseOp.Create,
      write: FuseOp.Write,
      truncate: FuseOp.SetAttr,
      ftruncate: FuseOp.SetAttr,
      chmod: FuseOp.SetAttr,
      chown: FuseOp.SetAttr,
      utimens: FuseOp.SetAttr,
      mkdir: FuseOp.MkDir,
      unlink: FuseOp.Unlink,
      rmdir: FuseOp.RmDir,
      rename: FuseOp.Rename,
      link: FuseOp.Link,
      symlink: FuseOp.Symlink,
      setxattr: FuseOp.SetXattr,
      removexattr: FuseOp.RemoveXattr,
    };
    return Object.fromEntries(Object.entries(ops).filter(([name]) => needs[name] === undefined || this.session.implements(needs[name])));
  }

  // ── ops that need the raw buffers ───────────────────────────────────────────────────────────────────────────

  /**
   * fuse-native hands every request to JavaScript through a generic wrapper — a bound signal, two spread copies of
   * the arguments, and a process.nextTick before the answer reaches the binding — which cost ~3 % of a sequential
   * read. Reads and writes, the ops that come by the thousand per second, are wired to the binding directly.
   */
  withDirectDataHandlers(handlers: NativeHandlers): NativeHandlers {
    const binding = loadFuseNativeBinding();
    const signalRead = binding.fuse_native_signal_read;
    handlers[binding.op_read] = (
      request: unknown,
      _op: number,
      _path: string,
      fd: number,
      buf: Buffer,
      len: number,
      low: number,
      high: number,
      lendable?: boolean,
    ) => {
      // The prebuilt binary passes no `lendable`: its buffer is libfuse's own (see read()).
      const answer = (result: unknown): void => signalRead(request, result, 0, buf.buffer);
      this.read(fd, buf, len, low + high * 2 ** 32, lendable === true, this.timed('read', answer));
    };
    if (!this.readOnly && this.session.implements(FuseOp.Write)) {
      const signalWrite = binding.fuse_native_signal_write;
      handlers[binding.op_write] = (
        request: unknown,
        _op: number,
        _path: string,
        fd: number,
        buf: Buffer,
        len: number,
        low: number,
        high: number,
      ) => {
        const answer = (result: unknown): void => signalWrite(request, result, 0, buf.buffer);
        this.write(fd, buf, len, low + high * 2 ** 32, this.timed('write', answer));
      };
    }
    return handlers;
  }

  private stat(attr: FileAttr): NativeStat {
    return toNativeStat(attr, this.inodeNumbers.of(attr.ino));
  }

  private fgetattr(fd: number, signal: NativeCallback): void {
    this.reply(
      signal,
      () => this.withHandle(fd, (h) => this.session.getattr(h.ino, h.fh)),
      (attr) => [0, toNativeStatArray(this.stat(attr))],
    );
  }

  private read(fd: number, buf: Buffer, len: number, pos: number, lendable: boolean, signal: NativeCallback): void {
    this.inflight += 1;
    this.reads.read(fd, buf, len, pos, lendable, (result) => this.answerRead(signal, result));
  }

  /** The read path's {@link answer}, without an array per answer. */
  private answerRead(signal: NativeCallback, result: number): void {
    try {
      signal(result);
    } catch (error) {
      this.logger.error(`fuse-native failed to take an answer: ${describeError(error)}`);
    } finally {
      this.settled();
    }
  }

  /** libfuse's buffer is gone once we answer, which a deadline may make happen before the handler is done: copied. */
  private write(fd: number, buf: Buffer, len: number, pos: number, signal: NativeCallback): void {
    const pooled = this.buffers.take(len);
    const data = pooled.subarray(0, len);
    buf.copy(data, 0, 0, len);
    this.reply(
      signal,
      () =>
        this.lending(
          pooled,
          this.withHandle(fd, (h) => this.session.write(h.ino, h.fh, pos, data)),
        ),
      (written) => [written],
    );
  }

  private create(path: string, mode: number, flags: number | undefined, signal: NativeCallback): void {
    // Without the flags (fuse-native's prebuilt binary), create exclusively for reading and writing.
    const openFlags = flags ?? fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_RDWR;
    this.reply(
      signal,
      () =>
        this.onParent(path, async (parent, name) => {
          const reply = await this.session.create(parent, name, mode & 0o7777, openFlags);
          return this.addHandle(reply.entry.attr.ino, reply.fh);
        }),
      (handle) => [0, handle],
    );
  }

  private getxattr(path: string, name: string, valueBuf: Buffer, signal: NativeCallback): void {
    const arraybuffer = valueBuf.buffer;
    this.reply(
      // A missing attribute (ENODATA) is remembered by the patched binding (the kernel asks before every write()).
      (...args: unknown[]) => signal(args[0], arraybuffer, this.bindingCacheTtlMs),
      () => this.onPath(path, (ino) => this.session.getxattr(ino, name)),
      (value) => {
        if (valueBuf.length === 0) return [value.length];
        if (value.length > valueBuf.length) return [-FsError.range().errno];
        value.copy(valueBuf);
        return [value.length];
      },
    );
  }

  private listxattr(path: string, listBuf: Buffer, signal: NativeCallback): void {
    const arraybuffer = listBuf.buffer;
    this.reply(
      (...args: unknown[]) => signal(args[0], arraybuffer),
      () => this.onPath(path, (ino) => this.session.listxattr(ino)),
      (names) => {
        const encoded = Buffer.concat(names.map((name) => Buffer.from(`${name}\0`)));
        if (listBuf.length === 0) return [encoded.length];
        if (encoded.length > listBuf.length) return [-FsError.range().errno];
        encoded.copy(listBuf);
        return [encoded.length];
      },
    );
  }

  // ── helpers ────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Runs `work` and answers fuse-native exactly once: `toArgs(result)` on success, a negative errno on failure.
   * Anything unexpected — even a bug here — becomes EIO and a log line rather than an exception in fuse-native.
   */
  private reply<T>(cb: NativeCallback, work: () => Promise<T>, toArgs: (result: T) => unknown[]): void {
    this.inflight += 1;
    let promise: Promise<T>;
    try {
      promise = work();
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (result) => {
        let args: unknown[];
        try {
          args = toArgs(result);
        } catch (error) {
          return this.fail(cb, error);
        }
        this.answer(cb, args);
      },
      (error: unknown) => this.fail(cb, error),
    );
  }

  private fail(cb: NativeCallback, error: unknown): void {
    this.answer(cb, [this.errnoOf(error)]);
  }

  /** The negative errno that answers `error`; anything but an FsError is unexpected here, so EIO and a log line. */
  private errnoOf(error: unknown): number {
    if (error instanceof FsError) return -error.errno;
    this.logger.error(`Unexpected failure in the FUSE adapter, answered EIO: ${describeError(error)}`);
    return -FsError.io().errno;
  }

  private answer(cb: NativeCallback, args: unknown[]): void {
    try {
      cb(...args);
    } catch (error) {
      this.logger.error(`fuse-native failed to take an answer: ${describeError(error)}`);
    } finally {
      this.settled();
    }
  }

  private settled(): void {
    this.inflight -= 1;
    if (this.inflight === 0 && this.drainWaiters.length > 0) for (const wake of this.drainWaiters.splice(0)) wake();
  }

  /**
   * Resolves `path` and runs `fn` on its inode. When the cached inode turns out to be gone (changed behind the
   * mount), the path is resolved afresh once, so a stale cache entry costs one retry instead of a wrong answer.
   */
  private async onPath<T>(path: unknown, fn: (ino: Ino) => Promise<T>): Promise<T> {
    if (typeof path !== 'string') throw FsError.notFound('no path (the file was removed while open)');
    const ino = await this.session.resolve(path);
    try {
      return await fn(ino);
    } catch (error) {
      if (!(error instanceof FsError) || (error.code !== 'ENOENT' && error.code !== 'ESTALE') || ino === ROOT_INO) throw error;
      this.session.forgetPath(path);
      const fresh = await this.session.resolve(path);
      if (fresh === ino) throw error;
      return fn(fresh);
    }
  }

  private async onParent<T>(path: unknown, fn: (parent: Ino, name: string) => Promise<T>): Promise<T> {
    if (typeof path !== 'string') throw FsError.notFound();
    const { parent, name } = await this.session.resolveParent(path);
    return fn(parent, name);
  }

  private async listDirectory(path: string): Promise<[string[], NativeStat[]]> {
    return this.onPath(path, async (ino) => {
      const attr = await this.session.getattr(ino);
      if (attr.kind !== 'dir') throw FsError.notDirectory();
      const parentIno = ino === ROOT_INO ? ROOT_INO : await this.session.resolve(posix.dirname(path));
      const entries = await this.directories.entries(path, ino);
      const names = ['.', '..', ...entries.map((entry) => entry.name)];
      const stats = [
        this.stat(attr),
        toNativeDirentStat(this.inodeNumbers.of(parentIno), 'dir'),
        ...entries.map((entry) => (entry.attr ? this.stat(entry.attr) : toNativeDirentStat(this.inodeNumbers.of(entry.ino), entry.kind))),
      ];
      return [names, stats];
    });
  }

  /**
   * Hands `buffer` back to the pool once `work` has settled — the handler is done with it — but not after a deadline
   * answered for it: the handler may still be using it.
   */
  private lending<T>(buffer: Buffer, work: Promise<T>): Promise<T> {
    return work.then(
      (result) => {
        this.buffers.give(buffer);
        return result;
      },
      (error: unknown) => {
        this.buffers.give(buffer, error);
        throw error;
      },
    );
  }

  private addHandle(ino: Ino, fh: Fh): number {
    return this.handles.add(ino, fh);
  }

  private withHandle<T>(handle: number, fn: (open: OpenHandle) => Promise<T>): Promise<T> {
    return this.handles.with(handle, fn);
  }

  private async closeHandle(handle: number, fn: (open: OpenHandle) => Promise<void>): Promise<void> {
    const open = this.handles.remove(handle);
    if (open) await fn(open);
  }
}

const XATTR_OPS = ['getxattr', 'listxattr', 'setxattr', 'removexattr'] as const;

interface FuseNativeBinding {
  op_read: number;
  op_write: number;
  /** Answers a read or a write: the result (bytes or negative errno), then the request buffer's memory. */
  fuse_native_signal_read(request: unknown, result: unknown, unused: 0, memory: ArrayBufferLike): void;
  fuse_native_signal_write(request: unknown, result: unknown, unused: 0, memory: ArrayBufferLike): void;
}

/** fuse-native's native binding, loaded the way fuse-native loads it (so it is the same module instance). */
function loadFuseNativeBinding(): FuseNativeBinding {
  const fuseNativeDir = dirname(require.resolve('fuse-native/package.json'));
  const requireFromFuseNative = createRequire(join(fuseNativeDir, 'index.js'));
  return (requireFromFuseNative('node-gyp-build') as (dir: string) => FuseNativeBinding)(fuseNativeDir);
}

/** Whether scripts/build-fuse-native.js built the binding node-gyp-build will load (its marker file is there). */
async function patchedBindingBuilt(): Promise<boolean> {
  const fuseNativeDir = dirname(require.resolve('fuse-native/package.json'));
  return access(join(fuseNativeDir, 'build', 'Release', '.nestjs-fuse-patched')).then(
    () => true,
    () => false,
  );
}

/** Loaded on first mount, so applications that only use FileHandle need no libfuse. */
function loadFuseNative(): FuseNativeClass {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first mount (see above)
    return require('fuse-native') as FuseNativeClass;
  } catch (error) {
    throw new MountException(
      `Cannot load fuse-native: ${(error as Error).message}. Install the FUSE runtime (Debian/Ubuntu: apt-get install fuse libfuse2).`,
    );
  }
}
