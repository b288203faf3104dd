import { execFileSync } from 'node:child_process';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyThreadPool } from '../../../test/fixtures/busy-thread-pool';
import { INLINE_STAT_CALLS, StatCalls, THREAD_POOL_STAT_CALLS } from './file-stats';

describe('FileStats', () => {
  let dir: string;
  let file: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nestjs-fuse-stats-'));
    file = join(dir, 'f');
    await writeFile(file, 'abc');
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  describe.each([
    ['inline', INLINE_STAT_CALLS],
    ['on the thread pool', THREAD_POOL_STAT_CALLS],
  ])('%s', (_name, calls: StatCalls) => {
    it('keeps each time to the nanosecond, before the epoch too, by path and by descriptor', async () => {
      execFileSync('touch', ['-a', '-d', '@-1.25', file]);
      execFileSync('touch', ['-m', '-d', '@1600000000.5', file]);
      const handle = await open(file);
      try {
        for (const stats of [await calls.lstat(file), await calls.fstat(handle)]) {
          expect([stats.size, stats.isFile(), stats.atimeNsec, stats.mtimeNsec]).toEqual([3, true, 750_000_000, 500_000_000]);
          expect(stats.atime.getTime()).toBe(-1250);
        }
      } finally {
        await handle.close();
      }
    });

    it('fails with the system error', async () => {
      await expect(calls.lstat(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    });
  });

  it('inline calls answer while the thread pool is busy; thread-pool calls wait for it', async () => {
    const order: string[] = [];
    const busy = busyThreadPool();
    const first = busy.firstDone.then(() => order.push('first job done'));
    const inline = INLINE_STAT_CALLS.lstat(file).then(() => order.push('inline'));
    const pooled = THREAD_POOL_STAT_CALLS.lstat(file).then(() => order.push('pooled'));
    await Promise.all([first, inline, pooled, busy.allDone]);
    expect(order).toEqual(['inline', 'first job done', 'pooled']);
  });
});
