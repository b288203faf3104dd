import type { BigIntStats } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_INO } from '../fuse';
import { FileStats } from './file-stats';
import { LocalInodeMap } from './local-inode.map';

describe('LocalInodeMap', () => {
  let dir: string;
  let root: BigIntStats;
  let file: BigIntStats;

  /** `file`'s status as if it were the backing file with inode number `ino` on device `dev`. */
  const as = (ino: bigint, dev: bigint = root.dev): FileStats => new FileStats(Object.assign(Object.create(file) as BigIntStats, { ino, dev }));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nestjs-fuse-inodes-'));
    await writeFile(join(dir, 'f'), 'x');
    root = await stat(dir, { bigint: true });
    file = await stat(join(dir, 'f'), { bigint: true });
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("keeps a backing file's inode number, 64-bit ones included, when it is on the root's device", () => {
    const map = new LocalInodeMap(dir, new FileStats(root));
    expect(map.remember(as(1234n), ROOT_INO, 'a')).toBe(1234);
    expect(map.remember(as(2n ** 40n + 5n), ROOT_INO, 'b')).toBe(2 ** 40 + 5);
  });

  it('gives files on other devices, and numbers beyond 2^52, synthetic numbers that do not clash', () => {
    const map = new LocalInodeMap(dir, new FileStats(root));
    const other = map.remember(as(1234n, root.dev + 1n), ROOT_INO, 'mounted');
    const huge = map.remember(as(2n ** 63n + 1n), ROOT_INO, 'huge');
    const huger = map.remember(as(2n ** 63n + 2n), ROOT_INO, 'huger');
    expect(new Set([other, huge, huger, map.remember(as(1234n), ROOT_INO, 'real')]).size).toBe(4);
    expect(Math.min(other, huge, huger)).toBeGreaterThanOrEqual(2 ** 52);
    expect(Number.isSafeInteger(Math.max(other, huge, huger))).toBe(true);
  });

  it("keeps a file's generation, and gives a new file that reuses a removed file's number a new one", () => {
    const map = new LocalInodeMap(dir, new FileStats(root));
    const ino = map.remember(as(777n), ROOT_INO, 'old');
    const first = map.generationOf(ino);
    expect(map.remember(as(777n), ROOT_INO, 'old')).toBe(ino);
    expect(map.generationOf(ino)).toBe(first);
    map.unlinked(ino, { parent: ROOT_INO, name: 'old' });
    expect(map.remember(as(777n), ROOT_INO, 'new')).toBe(ino);
    expect(map.generationOf(ino)).not.toBe(first);
  });
});
