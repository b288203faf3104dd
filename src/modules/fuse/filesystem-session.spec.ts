import { Logger, Type } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { MemoryFilesystem, SLOW_READ_MS } from '../../../test/fixtures/memory.filesystem';
import { OrderingFilesystem } from '../../../test/fixtures/ordering.filesystem';
import {
  DirEntry,
  Entry,
  Fh,
  FileAttr,
  FilesystemSession,
  Forget,
  FsError,
  FuseFilesystem,
  FuseFilesystemRegistry,
  FuseModule,
  FuseModuleOptions,
  GetAttr,
  Ino,
  Lookup,
  OpenDir,
  OpenReply,
  Read,
  ReadDir,
  ReleaseDir,
  RequestContext,
  ROOT_INO,
  KernelCache,
  Unlink,
  UsesKernelCache,
} from './index';

async function sessionOf(provider: Type<unknown>, name: string, options: FuseModuleOptions = {}) {
  const moduleRef = await Test.createTestingModule({
    imports: [FuseModule.forRoot(options)],
    providers: [provider as never],
  }).compile();
  await moduleRef.init();
  return { moduleRef, session: moduleRef.get(FuseFilesystemRegistry).get(name) };
}

function errnoOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof FsError ? error.code : `not an FsError: ${String(error)}`),
  );
}

describe('FilesystemSession', () => {
  let moduleRef: TestingModule;
  let session: FilesystemSession;
  let memory: MemoryFilesystem;
  let logged: jest.SpyInstance;
  let warned: jest.SpyInstance;

  beforeEach(async () => {
    logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    ({ moduleRef, session } = await sessionOf(MemoryFilesystem, 'memory', { deadlineMs: { default: 2_000, read: 200 } }));
    memory = moduleRef.get(MemoryFilesystem);
  });

  afterEach(async () => {
    await moduleRef.close();
    jest.restoreAllMocks();
  });

  it('resolves paths one lookup per component', async () => {
    const ino = await session.resolve('/dir/nested.txt');
    expect((await session.getattr(ino)).size).toBe(7);
    expect(await session.resolve('/')).toBe(ROOT_INO);
    expect(await session.resolve('/dir/../hello.txt')).toBe(await session.resolve('/hello.txt'));
  });

  it('answers ENOENT for a missing name and ENOTDIR for a path through a file', async () => {
    expect(await errnoOf(session.resolve('/missing'))).toBe('ENOENT');
    expect(await errnoOf(session.resolve('/hello.txt/x'))).toBe('ENOTDIR');
  });

  it('rejects names the kernel could never send, before any handler runs', async () => {
    expect(await errnoOf(session.lookup(ROOT_INO, 'x'.repeat(256)))).toBe('ENAMETOOLONG');
    expect(await errnoOf(session.lookup(ROOT_INO, 'a/b'))).toBe('EINVAL');
    expect(await errnoOf(session.lookup(ROOT_INO, '..'))).toBe('EINVAL');
  });

  it('passes an FsError through with its errno', async () => {
    const ino = await session.resolve('/denied');
    expect(await errnoOf(session.open(ino, 0))).toBe('EACCES');
    expect(logged).not.toHaveBeenCalled();
  });

  it('turns any other exception into EIO and one log line naming Class.method', async () => {
    const ino = await session.resolve('/boom');
    const fh = await session.open(ino, 0);
    expect(await errnoOf(session.read(ino, fh, 0, 10))).toBe('EIO');
    expect(logged).toHaveBeenCalledTimes(1);
    expect(String(logged.mock.calls[0][0])).toMatch(/read MemoryFilesystem\.read\(\d+, \d+, 0, 10\) failed .*kaboom/s);
  });

  it('turns a result of the wrong type into EIO and a log line', async () => {
    const ino = await session.resolve('/bad-result');
    const fh = await session.open(ino, 0);
    expect(await errnoOf(session.read(ino, fh, 0, 10))).toBe('EIO');
    expect(String(logged.mock.calls[0][0])).toMatch(/MemoryFilesystem\.read must resolve with a Buffer/);
  });

  it('answers ETIMEDOUT when a handler outlives its deadline, while other ops keep completing', async () => {
    const ino = await session.resolve('/slow');
    const fh = await session.open(ino, 0);
    const started = Date.now();
    const slow = errnoOf(session.read(ino, fh, 0, 1));
    const hello = await session.resolve('/hello.txt');
    const helloFh = await session.open(hello, 0);
    expect((await session.read(hello, helloFh, 0, 5)).toString()).toBe('hello');
    expect(await slow).toBe('ETIMEDOUT');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(SLOW_READ_MS);
    expect(String(warned.mock.calls[0][0])).toMatch(/within its 200 ms deadline/);
  });

  it('answers ENOSYS for an op the filesystem does not implement', async () => {
    expect(await errnoOf(session.mkdir(ROOT_INO, 'new', 0o755))).toBe('ENOSYS');
    expect(await errnoOf(session.readlink(2))).toBe('ENOSYS');
  });

  it('caches names and attributes for their TTL instead of asking again', async () => {
    await session.resolve('/dir/nested.txt');
    const before = memory.calls.length;
    await session.resolve('/dir/nested.txt');
    await session.getattr(await session.resolve('/dir'));
    expect(memory.calls.length).toBe(before);
  });

  it('asks again once the TTL is over', async () => {
    const { moduleRef: uncachedRef, session: uncached } = await sessionOf(MemoryFilesystem, 'memory', { entryTtlMs: 0, attrTtlMs: 0 });
    try {
      const instance = uncachedRef.get(MemoryFilesystem);
      await uncached.resolve('/hello.txt');
      const before = instance.calls.length;
      await uncached.resolve('/hello.txt');
      expect(instance.calls.length).toBe(before + 1);
    } finally {
      await uncachedRef.close();
    }
  });

  it('asks the handler once for a name that several callers look up at the same time', async () => {
    const { moduleRef: uncachedRef, session: uncached } = await sessionOf(MemoryFilesystem, 'memory', { entryTtlMs: 0, attrTtlMs: 0 });
    try {
      const instance = uncachedRef.get(MemoryFilesystem);
      const entries = await Promise.all(Array.from({ length: 5 }, () => uncached.lookup(ROOT_INO, 'hello.txt')));
      expect(new Set(entries.map((entry) => entry.attr.ino)).size).toBe(1);
      expect(instance.calls.filter((call) => call === `lookup ${ROOT_INO} hello.txt`)).toHaveLength(1);
      // Once answered, the next caller asks again (nothing is cached with TTLs of 0).
      await uncached.lookup(ROOT_INO, 'hello.txt');
      expect(instance.calls.filter((call) => call === `lookup ${ROOT_INO} hello.txt`)).toHaveLength(2);
    } finally {
      await uncachedRef.close();
    }
  });

  it('follows readdir offsets across pages and warms the caches from returned attributes', async () => {
    const entries = await session.readdirAll(ROOT_INO, 0);
    expect(entries.map((entry) => entry.name)).toEqual([
      'hello.txt',
      'dir',
      'big.bin',
      'empty',
      'boom',
      'slow',
      'denied',
      'bad-result',
      'late-writer',
    ]);
    const before = memory.calls.length;
    await session.resolve('/big.bin');
    expect(memory.calls.length).toBe(before);
  });
});

describe('FilesystemSession ordering', () => {
  it('orders a read after a write of the same inode, but not of another inode', async () => {
    const { moduleRef, session } = await sessionOf(OrderingFilesystem, 'ordering');
    try {
      const fs = moduleRef.get(OrderingFilesystem);
      const write = session.write(2, 0, 0, Buffer.from('abc'));
      const readSame = session.read(2, 0, 0, 3);
      const readOther = session.read(3, 0, 0, 3);
      expect((await readSame).toString()).toBe('abc');
      await Promise.all([write, readOther]);
      expect(fs.events.indexOf('read 2 start')).toBeGreaterThan(fs.events.indexOf('write 2 end'));
      expect(fs.events.indexOf('read 3 end')).toBeLessThan(fs.events.indexOf('write 2 end'));
    } finally {
      await moduleRef.close();
    }
  });

  it('runs two writes of one inode one after the other, in arrival order', async () => {
    const { moduleRef, session } = await sessionOf(OrderingFilesystem, 'ordering');
    try {
      const fs = moduleRef.get(OrderingFilesystem);
      await Promise.all([session.write(2, 0, 0, Buffer.from('first')), session.write(2, 0, 0, Buffer.from('SECOND'))]);
      expect(fs.events).toEqual(['write 2 start', 'write 2 end', 'write 2 start', 'write 2 end']);
      expect((await session.read(2, 0, 0, 10)).toString()).toBe('SECOND');
    } finally {
      await moduleRef.close();
    }
  });
});

@FuseFilesystem('contexts')
class ContextRecordingFilesystem implements UsesKernelCache {
  readonly seen: RequestContext[] = [];

  @Lookup()
  async lookup(_parent: Ino, _name: string, context: RequestContext): Promise<Entry> {
    this.seen.push(context);
    throw FsError.notFound();
  }

  @GetAttr()
  async getattr(ino: Ino, _fh: Fh | undefined, context: RequestContext): Promise<FileAttr> {
    this.seen.push(context);
    const now = new Date(0);
    return { ino, kind: 'dir', perm: 0o755, size: 0, blocks: 0, nlink: 2, uid: 0, gid: 0, atime: now, mtime: now, ctime: now };
  }

  @ReadDir()
  async readdir(): Promise<DirEntry[]> {
    return [];
  }

  @Read()
  async read(_ino: Ino, _fh: Fh, _offset: number, _size: number, _scratch: Buffer | undefined, context: RequestContext): Promise<Buffer> {
    this.seen.push(context);
    return Buffer.alloc(0);
  }

  readonly forgotten: Ino[] = [];
  kernelCache?: KernelCache;

  useKernelCache(cache: KernelCache): void {
    this.kernelCache = cache;
  }

  @Forget()
  async forget(ino: Ino): Promise<void> {
    this.forgotten.push(ino);
  }
}

describe('FilesystemSession request contexts', () => {
  it("hands every handler the caller's context last, and the daemon's own (not known) when there is none", async () => {
    const { moduleRef, session } = await sessionOf(ContextRecordingFilesystem, 'contexts', { attrTtlMs: 0, entryTtlMs: 0 });
    try {
      const fs = moduleRef.get(ContextRecordingFilesystem);
      const caller: RequestContext = { uid: 1234, gid: 5678, pid: 42, known: true };
      await session.getattr(ROOT_INO, undefined, caller);
      await session.lookup(ROOT_INO, 'absent', caller).catch(() => undefined);
      await new Promise((resolve) => session.readWith(ROOT_INO, 0, 0, 10, undefined, resolve, caller));
      expect(fs.seen).toEqual([caller, caller, caller]);
      await session.getattr(ROOT_INO);
      expect(fs.seen[3]).toEqual({ uid: process.getuid?.(), gid: process.getgid?.(), pid: 0, known: false });
    } finally {
      await moduleRef.close();
    }
  });
});

describe('FilesystemSession forget', () => {
  it('tells the @Forget() handler, unless the inode was looked up again before its turn', async () => {
    const { moduleRef, session } = await sessionOf(ContextRecordingFilesystem, 'contexts');
    try {
      const fs = moduleRef.get(ContextRecordingFilesystem);
      await session.forget(7);
      await session.forget(8, undefined, () => false);
      expect(fs.forgotten).toEqual([7]);
    } finally {
      await moduleRef.close();
    }
  });
});

describe('FilesystemSession kernel cache', () => {
  it("hands the filesystem a KernelCache at boot, which drops the module's cached attributes and tells every attached kernel", async () => {
    const { moduleRef, session } = await sessionOf(ContextRecordingFilesystem, 'contexts', { attrTtlMs: 60_000 });
    try {
      const fs = moduleRef.get(ContextRecordingFilesystem);
      await session.getattr(ROOT_INO);
      const told: string[] = [];
      const detach = session.attachKernel({
        invalidateInode: (ino) => told.push(`inode ${ino}`),
        invalidateEntry: (parent, name) => told.push(`entry ${parent} ${name}`),
        releaseEntry: (parent, name) => told.push(`release ${parent} ${name}`) > 0,
      });
      fs.kernelCache?.invalidateInode(ROOT_INO);
      fs.kernelCache?.invalidateEntry(ROOT_INO, 'gone');
      fs.kernelCache?.releaseEntry(ROOT_INO, 'old');
      detach();
      fs.kernelCache?.invalidateInode(ROOT_INO);
      expect(told).toEqual([`inode ${ROOT_INO}`, `entry ${ROOT_INO} gone`, `release ${ROOT_INO} old`]);
      const asked = fs.seen.length;
      await session.getattr(ROOT_INO);
      expect(fs.seen.length).toBe(asked + 1);
    } finally {
      await moduleRef.close();
    }
  });
});

/** A directory whose listing is read once, at opendir, and paged from that snapshot two entries at a time. */
@FuseFilesystem('snapshot-listing')
class SnapshotListingFilesystem {
  readonly names = new Set(['a', 'b', 'c', 'd']);
  private readonly snapshots = new Map<Fh, string[]>();
  private nextFh = 1;

  @Lookup()
  async lookup(_parent: Ino, name: string): Promise<Entry> {
    if (!this.names.has(name)) throw FsError.notFound();
    return { attr: this.attrOf(name) };
  }

  @GetAttr()
  async getattr(ino: Ino): Promise<FileAttr> {
    return { ...this.attrOf('a'), ino, kind: 'dir' };
  }

  @OpenDir()
  async opendir(): Promise<OpenReply> {
    const fh = this.nextFh++;
    this.snapshots.set(fh, [...this.names]);
    return { fh };
  }

  @ReadDir()
  async readdir(_ino: Ino, fh: Fh, offset: number): Promise<DirEntry[]> {
    const names = this.snapshots.get(fh) ?? [...this.names];
    return names
      .slice(offset, offset + 2)
      .map((name, index) => ({ ino: this.inoOf(name), name, kind: 'file', offset: offset + index + 1, attr: this.attrOf(name) }));
  }

  @ReleaseDir()
  async releasedir(_ino: Ino, fh: Fh): Promise<void> {
    this.snapshots.delete(fh);
  }

  @Read()
  async read(): Promise<Buffer> {
    return Buffer.alloc(0);
  }

  @Unlink()
  async unlink(_parent: Ino, name: string): Promise<void> {
    if (!this.names.delete(name)) throw FsError.notFound();
  }

  private inoOf(name: string): Ino {
    return 10 + name.charCodeAt(0);
  }

  private attrOf(name: string): FileAttr {
    const time = new Date(0);
    return { ino: this.inoOf(name), size: 1, blocks: 1, atime: time, mtime: time, ctime: time, kind: 'file', perm: 0o644, nlink: 1, uid: 0, gid: 0 };
  }
}

describe('FilesystemSession listings', () => {
  it('gives no attributes with the later pages of a listing whose directory changed since its opendir', async () => {
    const { moduleRef, session } = await sessionOf(SnapshotListingFilesystem, 'snapshot-listing', { entryTtlMs: 60_000, attrTtlMs: 60_000 });
    try {
      const fh = await session.opendir(ROOT_INO, 0);
      const first = await session.readdir(ROOT_INO, fh, 0);
      expect(first.map((entry) => [entry.name, entry.attr !== undefined])).toEqual([
        ['a', true],
        ['b', true],
      ]);
      await session.unlink(ROOT_INO, 'c');
      // The snapshot still lists c: with its attributes the kernel would make it a dentry again.
      const second = await session.readdir(ROOT_INO, fh, 2);
      expect(second.map((entry) => [entry.name, entry.attr !== undefined])).toEqual([
        ['c', false],
        ['d', false],
      ]);
      await expect(errnoOf(session.lookup(ROOT_INO, 'c'))).resolves.toBe('ENOENT');
      await session.releasedir(ROOT_INO, fh);
      const fresh = await session.opendir(ROOT_INO, 0);
      expect((await session.readdir(ROOT_INO, fresh, 2)).map((entry) => [entry.name, entry.attr !== undefined])).toEqual([['d', true]]);
      await session.releasedir(ROOT_INO, fresh);
    } finally {
      await moduleRef.close();
    }
  });
});
