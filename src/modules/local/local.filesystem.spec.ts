import { Test, TestingModule } from '@nestjs/testing';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemSession, FsError, FuseFilesystemRegistry, FuseModule, ROOT_INO } from '../fuse';
import { busyThreadPool } from '../../../test/fixtures/busy-thread-pool';
import { LocalFilesystem } from './local.filesystem';
import { LocalRootException } from './local-root.exception';
import { LocalModule } from './local.module';

const XATTR_CREATE = 1;

describe('LocalFilesystem (handlers called directly)', () => {
  let root: string;
  let moduleRef: TestingModule;
  let local: FilesystemSession;

  beforeEach(async () => {
    root = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-local-'));
    await fs.writeFile(join(root, 'hello.txt'), 'hello world\n');
    await fs.mkdir(join(root, 'sub'));
    await fs.writeFile(join(root, 'sub', 'inner.txt'), 'inner');
    await fs.symlink('/etc', join(root, 'escape'));
    moduleRef = await Test.createTestingModule({
      // TTL 0: every call reaches the handlers, which is what this spec is about.
      imports: [LocalModule.forRoot({ root }), FuseModule.forRoot({ entryTtlMs: 0, attrTtlMs: 0 })],
    }).compile();
    await moduleRef.init();
    local = moduleRef.get(FuseFilesystemRegistry).get('local');
  });

  afterEach(async () => {
    await moduleRef.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  const code = (promise: Promise<unknown>): Promise<string> =>
    promise.then(
      () => 'resolved',
      (error: unknown) => (error instanceof FsError ? error.code : String(error)),
    );

  it('reports real inode numbers, sizes, modes and timestamps', async () => {
    const entry = await local.lookup(ROOT_INO, 'hello.txt');
    const real = await fs.lstat(join(root, 'hello.txt'));
    expect(entry.attr).toMatchObject({ ino: real.ino, size: 12, kind: 'file', perm: real.mode & 0o7777, nlink: 1 });
    // To the nanosecond: number Stats round a time's milliseconds in floating point (…748.9999998 → 749), so compare
    // with the exact figures.
    const exact = await fs.lstat(join(root, 'hello.txt'), { bigint: true });
    expect([entry.attr.mtime.getTime(), entry.attr.mtimeNsec]).toEqual([Number(exact.mtimeNs / 1_000_000n), Number(exact.mtimeNs % 1_000_000_000n)]);
    expect(entry.attr.mtime.getFullYear()).toBeGreaterThan(2000);
    expect((await local.getattr(ROOT_INO)).kind).toBe('dir');
  });

  it('lists a directory with attributes, as a snapshot stable across offsets', async () => {
    const fh = await local.opendir(ROOT_INO, constants.O_RDONLY);
    const first = await local.readdir(ROOT_INO, fh, 0);
    await fs.writeFile(join(root, 'late.txt'), 'x');
    const all = await local.readdirAll(ROOT_INO, fh);
    await local.releasedir(ROOT_INO, fh);
    expect(all.map((entry) => entry.name).sort()).toEqual(['escape', 'hello.txt', 'sub']);
    expect(first.every((entry) => entry.attr !== undefined)).toBe(true);
    expect(all.find((entry) => entry.name === 'escape')?.kind).toBe('symlink');
  });

  it('creates, writes, reads, truncates and fsyncs a file', async () => {
    const { entry, fh } = await local.create(ROOT_INO, 'new.bin', 0o640, constants.O_RDWR);
    expect(await local.write(entry.attr.ino, fh, 0, Buffer.from('abcdef'))).toBe(6);
    expect(await local.write(entry.attr.ino, fh, 10, Buffer.from('Z'))).toBe(1);
    await local.fsync(entry.attr.ino, fh, false);
    expect((await local.read(entry.attr.ino, fh, 0, 100)).equals(Buffer.from('abcdef\0\0\0\0Z'))).toBe(true);
    const truncated = await local.setattr(entry.attr.ino, { size: 3 }, fh);
    expect(truncated.size).toBe(3);
    await local.release(entry.attr.ino, fh, 0);
    expect(await fs.readFile(join(root, 'new.bin'), 'utf8')).toBe('abc');
    expect((await fs.stat(join(root, 'new.bin'))).mode & 0o777).toBe(0o640);
  });

  it('creates a file with exactly the mode asked for, whatever the daemon’s own umask', async () => {
    const previous = process.umask(0o077);
    try {
      const narrowed = await local.create(ROOT_INO, 'shared.txt', 0o664, constants.O_RDWR);
      const untouched = await local.create(ROOT_INO, 'private.txt', 0o600, constants.O_RDWR);
      await Promise.all([local.release(narrowed.entry.attr.ino, narrowed.fh, 0), local.release(untouched.entry.attr.ino, untouched.fh, 0)]);
      expect(narrowed.entry.attr.perm).toBe(0o664);
      expect((await fs.stat(join(root, 'shared.txt'))).mode & 0o7777).toBe(0o664);
      expect((await fs.stat(join(root, 'private.txt'))).mode & 0o7777).toBe(0o600);
    } finally {
      process.umask(previous);
    }
  });

  it('honours O_EXCL when creating over an existing name', async () => {
    expect(await code(local.create(ROOT_INO, 'hello.txt', 0o644, constants.O_RDWR | constants.O_EXCL))).toBe('EEXIST');
  });

  it('changes mode, owner and times', async () => {
    const ino = await local.resolve('/hello.txt');
    const when = new Date('2001-02-03T04:05:06Z');
    const attr = await local.setattr(ino, { mode: 0o600, uid: 1234, gid: 4321, atime: when, mtime: when });
    expect(attr).toMatchObject({ perm: 0o600, uid: 1234, gid: 4321 });
    expect(attr.mtime.getTime()).toBe(when.getTime());
    const real = await fs.stat(join(root, 'hello.txt'));
    expect(real.mode & 0o777).toBe(0o600);
    expect(real.uid).toBe(1234);
    expect(real.mtime.getTime()).toBe(when.getTime());
  });

  it('makes and removes directories, refusing to remove a non-empty one', async () => {
    const dir = await local.mkdir(ROOT_INO, 'made', 0o750);
    expect(dir.attr).toMatchObject({ kind: 'dir', perm: 0o750 });
    expect(await code(local.rmdir(ROOT_INO, 'sub'))).toBe('ENOTEMPTY');
    await local.rmdir(ROOT_INO, 'made');
    expect(await code(fs.stat(join(root, 'made')))).toMatch(/ENOENT/);
  });

  it('renames files and directories and keeps serving them by inode', async () => {
    const inner = await local.resolve('/sub/inner.txt');
    await local.rename(ROOT_INO, 'sub', ROOT_INO, 'moved');
    const fh = await local.open(inner, constants.O_RDONLY);
    expect((await local.read(inner, fh, 0, 10)).toString()).toBe('inner');
    await local.release(inner, fh, 0);
    expect(await local.resolve('/moved/inner.txt')).toBe(inner);
    await local.rename(await local.resolve('/moved'), 'inner.txt', ROOT_INO, 'hello.txt');
    expect(await fs.readFile(join(root, 'hello.txt'), 'utf8')).toBe('inner');
  });

  it('unlinks, symlinks, reads links and makes hard links', async () => {
    const link = await local.symlink(ROOT_INO, 'rel', 'sub/inner.txt');
    expect(link.attr.kind).toBe('symlink');
    expect(await local.readlink(link.attr.ino)).toBe('sub/inner.txt');
    const hello = await local.resolve('/hello.txt');
    const hard = await local.link(hello, ROOT_INO, 'hard.txt');
    expect(hard.attr.ino).toBe(hello);
    expect(hard.attr.nlink).toBe(2);
    await local.unlink(ROOT_INO, 'hello.txt');
    expect((await local.getattr(hello)).nlink).toBe(1);
    expect(await fs.readFile(join(root, 'hard.txt'), 'utf8')).toBe('hello world\n');
  });

  it('sets, gets, lists and removes extended attributes, honouring XATTR_CREATE', async () => {
    const ino = await local.resolve('/hello.txt');
    const binary = Buffer.from([0, 1, 2, 255, 10]);
    await local.setxattr(ino, 'user.blob', binary, 0);
    expect((await local.getxattr(ino, 'user.blob')).equals(binary)).toBe(true);
    expect(await local.listxattr(ino)).toEqual(['user.blob']);
    expect(await code(local.setxattr(ino, 'user.blob', Buffer.from('x'), XATTR_CREATE))).toBe('EEXIST');
    await local.removexattr(ino, 'user.blob');
    expect(await code(local.getxattr(ino, 'user.blob'))).toBe('ENODATA');
  });

  it('reports statfs figures of the backing filesystem', async () => {
    const stats = await local.statfs(ROOT_INO);
    const real = await fs.statfs(root);
    expect(stats).toMatchObject({ bsize: real.bsize, blocks: real.blocks, namelen: 255 });
  });

  it('never reaches outside the root: names with .. or / are refused', async () => {
    expect(await code(local.lookup(ROOT_INO, '..'))).toBe('EINVAL');
    expect(await code(local.create(ROOT_INO, '../evil', 0o644, 0))).toBe('EINVAL');
    expect(await code(local.resolve('/../../etc/passwd'))).toBe('ENOENT');
  });

  it('refuses names with .. or / in the backend itself, for callers that skip the session', async () => {
    const backend = moduleRef.get(LocalFilesystem);
    const file = (await backend.lookup(ROOT_INO, 'hello.txt')).attr.ino;
    const refused = [
      backend.lookup(ROOT_INO, '..'),
      backend.create(ROOT_INO, '../evil', 0o644, constants.O_CREAT | constants.O_WRONLY),
      backend.mkdir(ROOT_INO, 'a/b', 0o755),
      backend.mknod(ROOT_INO, '..', constants.S_IFIFO | 0o644, 0),
      backend.symlink(ROOT_INO, '../evil', '/etc'),
      backend.link(file, ROOT_INO, '../evil'),
      backend.unlink(ROOT_INO, '../hello.txt'),
      backend.rmdir(ROOT_INO, '..'),
      backend.rename(ROOT_INO, 'hello.txt', ROOT_INO, '../evil'),
      backend.rename(ROOT_INO, '.', ROOT_INO, 'evil'),
    ];
    for (const call of refused) expect(await code(call)).toBe('EINVAL');
    await expect(fs.access(join(root, '..', 'evil'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('returns an absolute symlink as-is and never follows it', async () => {
    const escape = await local.lookup(ROOT_INO, 'escape');
    expect(escape.attr.kind).toBe('symlink');
    expect(await local.readlink(escape.attr.ino)).toBe('/etc');
    expect(await code(local.resolve('/escape/passwd'))).toBe('ENOTDIR');
    expect(await code(local.lookup(escape.attr.ino, 'passwd'))).toBe('ENOTDIR');
    expect(await code(local.open(escape.attr.ino, constants.O_RDONLY))).toBe('ELOOP');
    expect(await code(local.setattr(escape.attr.ino, { mode: 0o777 }))).toBe('EOPNOTSUPP');
    expect(await code(local.setattr(escape.attr.ino, { size: 0 }))).toBe('EINVAL');
    expect((await fs.stat('/etc')).mode & 0o777).not.toBe(0o777);
  });

  it('answers ESTALE for an inode whose name now holds a different file', async () => {
    const old = await local.resolve('/hello.txt');
    await fs.rm(join(root, 'hello.txt'));
    await fs.writeFile(join(root, 'placeholder'), 'keeps the old inode number from being reused at once');
    await fs.writeFile(join(root, 'hello.txt'), 'replaced');
    expect(await code(local.getattr(old))).toMatch(/ESTALE|ENOENT/);
    const fresh = await local.resolve('/hello.txt');
    expect((await local.getattr(fresh)).size).toBe(8);
  });

  it('keeps reading a file that was unlinked while open', async () => {
    const ino = await local.resolve('/hello.txt');
    const fh = await local.open(ino, constants.O_RDONLY);
    await local.unlink(ROOT_INO, 'hello.txt');
    expect((await local.read(ino, fh, 0, 5)).toString()).toBe('hello');
    expect((await local.getattr(ino, fh)).nlink).toBe(0);
    await local.release(ino, fh, 0);
  });

  describe('reads', () => {
    const MiB = 1024 * 1024;
    let data: Buffer;
    let ino: number;
    let fh: number;

    beforeEach(async () => {
      data = randomBytes(8 * MiB);
      await fs.writeFile(join(root, 'big'), data);
      ino = await local.resolve('/big');
      fh = await local.open(ino, constants.O_RDONLY);
    });

    afterEach(() => local.release(ino, fh, 0));

    /** Drops the file's pages from the page cache, then caches its first `cached` bytes (and what read-ahead adds). */
    const cacheOnly = async (cached: number): Promise<void> => {
      await fs.writeFile(join(root, 'big'), data);
      execFileSync('dd', [`if=${join(root, 'big')}`, 'iflag=nocache', 'count=0', 'status=none']);
      execFileSync('sync');
      execFileSync('dd', [`if=${join(root, 'big')}`, 'iflag=nocache', 'count=0', 'status=none']);
      const handle = await fs.open(join(root, 'big'));
      await handle.read(Buffer.alloc(cached), 0, cached, 0);
      await handle.close();
    };

    it('copy cached pages on the JavaScript thread, the end of the file included', async () => {
      const busy = busyThreadPool();
      const seen: string[] = [];
      const reads = Promise.all([
        local.read(ino, fh, MiB, 128 * 1024),
        local.read(ino, fh, data.length - 100, 4096),
        local.read(ino, fh, data.length, 4096),
      ]);
      await Promise.all([busy.firstDone.then(() => seen.push('thread pool')), reads.then(() => seen.push('reads')), busy.allDone]);
      expect(seen).toEqual(['reads', 'thread pool']);
      const [middle, tail, end] = await reads;
      expect(middle.equals(data.subarray(MiB, MiB + 128 * 1024))).toBe(true);
      expect(tail.equals(data.subarray(data.length - 100))).toBe(true);
      expect(end.length).toBe(0);
    });

    it('read what the page cache lacks on the thread pool, byte-exact', async () => {
      await cacheOnly(4096);
      const whole = await local.read(ino, fh, 0, 4 * MiB);
      expect(whole.length).toBe(4 * MiB);
      expect(whole.equals(data.subarray(0, 4 * MiB))).toBe(true);
      await cacheOnly(4096);
      const uncached = await local.read(ino, fh, 6 * MiB, MiB);
      expect(uncached.equals(data.subarray(6 * MiB, 7 * MiB))).toBe(true);
    });
  });

  it('fails boot with a clear message for a root that is not a directory', async () => {
    const file = join(root, 'hello.txt');
    const broken = await Test.createTestingModule({ imports: [LocalModule.forRoot({ root: file }), FuseModule.forRoot({})] }).compile();
    const boot = broken.init();
    await expect(boot).rejects.toBeInstanceOf(LocalRootException);
    await expect(boot).rejects.toThrow(`Local root ${file} is not a directory`);
  });

  it.each([
    [undefined, ['lookup', 'thread pool']],
    [false, ['thread pool', 'lookup']],
  ])('with inlineMetadata %s, looks up, opens and closes a file before or after busy thread-pool work', async (inlineMetadata, order) => {
    const other = await Test.createTestingModule({
      imports: [LocalModule.forRoot({ root, inlineMetadata }), FuseModule.forRoot({ entryTtlMs: 0, attrTtlMs: 0 })],
    }).compile();
    await other.init();
    try {
      const session = other.get(FuseFilesystemRegistry).get('local');
      const seen: string[] = [];
      const busy = busyThreadPool();
      await Promise.all([
        busy.firstDone.then(() => seen.push('thread pool')),
        session
          .lookup(ROOT_INO, 'hello.txt')
          .then((entry) => session.open(entry.attr.ino, constants.O_RDONLY).then((fh) => session.release(entry.attr.ino, fh, 0)))
          .then(() => seen.push('lookup')),
        busy.allDone,
      ]);
      expect(seen).toEqual(order);
    } finally {
      await other.close();
    }
  });
});
