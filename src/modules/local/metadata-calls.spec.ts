import { execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyThreadPool } from '../../../test/fixtures/busy-thread-pool';
import { INLINE_METADATA_CALLS, MetadataCalls, THREAD_POOL_METADATA_CALLS } from './metadata-calls';

describe('MetadataCalls', () => {
  let dir: string;
  let file: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nestjs-fuse-stats-'));
    file = join(dir, 'f');
    await writeFile(file, 'abc');
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  describe.each([
    ['inline', INLINE_METADATA_CALLS],
    ['on the thread pool', THREAD_POOL_METADATA_CALLS],
  ])('%s', (_name, calls: MetadataCalls) => {
    it('keeps each time to the nanosecond, before the epoch too, by path and by descriptor', async () => {
      execFileSync('touch', ['-a', '-d', '@-1.25', file]);
      execFileSync('touch', ['-m', '-d', '@1600000000.5', file]);
      const fd = await calls.open(file, constants.O_RDONLY);
      try {
        for (const stats of [await calls.lstat(file), await calls.fstat(fd)]) {
          expect([stats.size, stats.isFile(), stats.atimeNsec, stats.mtimeNsec]).toEqual([3, true, 750_000_000, 500_000_000]);
          expect(stats.atime.getTime()).toBe(-1250);
        }
      } finally {
        await calls.close(fd);
      }
    });

    it('creates, changes the mode and owner of, and closes a file by its descriptor', async () => {
      const created = join(dir, 'new');
      const fd = await calls.open(created, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
      await calls.fchmod(fd, 0o640);
      await calls.fchown(fd, 4242, 4343);
      await calls.close(fd);
      const stats = await stat(created);
      expect([stats.mode & 0o7777, stats.uid, stats.gid]).toEqual([0o640, 4242, 4343]);
      expect(await readFile(created, 'utf8')).toBe('');
      await expect(calls.fstat(fd)).rejects.toMatchObject({ code: 'EBADF' });
    });

    it('fails with the system error', async () => {
      await expect(calls.lstat(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(calls.open(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY)).rejects.toMatchObject({ code: 'EEXIST' });
    });
  });

  it('inline calls answer while the thread pool is busy; thread-pool calls wait for it', async () => {
    const order: string[] = [];
    const busy = busyThreadPool();
    const first = busy.firstDone.then(() => order.push('first job done'));
    const inline = Promise.all([
      INLINE_METADATA_CALLS.lstat(file),
      INLINE_METADATA_CALLS.open(file, constants.O_RDONLY).then(INLINE_METADATA_CALLS.close),
    ]).then(() => order.push('inline'));
    const pooled = THREAD_POOL_METADATA_CALLS.lstat(file).then(() => order.push('pooled'));
    await Promise.all([first, inline, pooled, busy.allDone]);
    expect(order).toEqual(['inline', 'first job done', 'pooled']);
  });
});
