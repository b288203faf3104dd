import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MountProcess, REPO, startMount, stopMount } from './support/mount-process';
import { sh, shOk } from './support/shell';

const LOCAL_HELLO = 'the local backend has its own hello\n'; // not the memory fixture's 12 bytes

/**
 * Two filesystems mounted by one process, with 5 s caches: what each mount answers — from JavaScript's caches or the
 * binding's — belongs to it alone, even when both are listed and read at once.
 */
describe('two filesystems mounted by one process', () => {
  let work: string;
  let memoryMnt: string;
  let localMnt: string;
  let mount: MountProcess | undefined;

  beforeAll(async () => {
    work = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-two-'));
    memoryMnt = join(work, 'memory');
    localMnt = join(work, 'local');
    for (const dir of [memoryMnt, localMnt, join(work, 'src')]) await fs.mkdir(dir);
    await fs.writeFile(join(work, 'src', 'hello.txt'), LOCAL_HELLO);
    await fs.writeFile(join(work, 'src', 'only-local.txt'), 'x');
    await fs.mkdir(join(work, 'src', 'dir'));
    await fs.writeFile(join(work, 'src', 'dir', 'nested.txt'), 'a longer nested file\n');
    mount = await startMount(
      [
        process.execPath,
        '-r',
        'ts-node/register/transpile-only',
        join(REPO, 'test', 'e2e', 'fixtures', 'serve-two.ts'),
        memoryMnt,
        localMnt,
        join(work, 'src'),
      ],
      memoryMnt,
    );
  });

  afterAll(async () => {
    await stopMount(mount, memoryMnt);
    await stopMount(undefined, localMnt);
    await fs.rm(work, { recursive: true, force: true });
  });

  it("shows each mount's own sizes and bytes after the other was listed", async () => {
    // A plain `ls` lists without stat'ing: whatever the listing left cached is still there for the other mount's stat.
    await shOk(`ls ${memoryMnt} ${join(memoryMnt, 'dir')} > /dev/null`);
    expect((await shOk(`stat -c %s ${join(localMnt, 'hello.txt')} ${join(localMnt, 'dir', 'nested.txt')}`)).split('\n')).toEqual([
      String(LOCAL_HELLO.length),
      '21',
      '',
    ]);
    expect(await shOk(`cat ${join(localMnt, 'hello.txt')}`)).toBe(LOCAL_HELLO);

    await shOk(`ls ${localMnt} ${join(localMnt, 'dir')} > /dev/null`);
    expect((await shOk(`stat -c %s ${join(memoryMnt, 'hello.txt')} ${join(memoryMnt, 'dir', 'nested.txt')}`)).split('\n')).toEqual(['12', '7', '']);
    expect(await shOk(`cat ${join(memoryMnt, 'hello.txt')}`)).toBe('hello world\n');
  });

  it('never shows one mount the names of the other', async () => {
    const memoryNames = (await shOk(`ls -A ${memoryMnt}`)).split('\n').filter(Boolean);
    const localNames = (await shOk(`ls -A ${localMnt}`)).split('\n').filter(Boolean);
    expect(localNames.sort()).toEqual(['dir', 'hello.txt', 'only-local.txt']);
    expect(memoryNames).not.toContain('only-local.txt');
    expect((await sh(`stat ${join(memoryMnt, 'only-local.txt')}`)).code).not.toBe(0);
  });

  it('keeps them apart while both are listed and read at once', async () => {
    // Listers on one mount, stat and cat on the other, many times, in parallel processes.
    const rounds = 200;
    const lister = (dir: string): string => `for i in $(seq ${rounds}); do ls -lR ${dir} > /dev/null; done`;
    const checker = (dir: string, size: number, content: string): string =>
      `for i in $(seq ${rounds}); do s=$(stat -c %s ${join(dir, 'hello.txt')}); c=$(cat ${join(dir, 'hello.txt')} | wc -c); ` +
      `[ "$s" = ${size} ] && [ "$c" = ${content} ] || { echo "round $i: size $s, read $c"; exit 1; }; done`;
    const results = await Promise.all([
      sh(lister(memoryMnt), 120_000),
      sh(lister(localMnt), 120_000),
      sh(checker(localMnt, LOCAL_HELLO.length, String(LOCAL_HELLO.length)), 120_000),
      sh(checker(memoryMnt, 12, '12'), 120_000),
    ]);
    expect(results.map((result) => `${result.code} ${result.stdout}${result.stderr}`.trim())).toEqual(['0', '0', '0', '0']);
    expect(mount?.child.exitCode).toBeNull();
  });
});
