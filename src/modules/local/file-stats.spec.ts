import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lstatOf } from './file-stats';

describe('FileStats', () => {
  it('keeps each time to the nanosecond, before the epoch too', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nestjs-fuse-stats-'));
    try {
      const file = join(dir, 'f');
      await writeFile(file, 'abc');
      execFileSync('touch', ['-a', '-d', '@-1.25', file]);
      execFileSync('touch', ['-m', '-d', '@1600000000.5', file]);
      const stats = await lstatOf(file);
      expect([stats.size, stats.isFile(), stats.atimeNsec, stats.mtimeNsec]).toEqual([3, true, 750_000_000, 500_000_000]);
      expect(stats.atime.getTime()).toBe(-1250);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
