import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MountProcess, startFixtureMount, stopMount, waitUntil } from './support/mount-process';
import { sh, shOk } from './support/shell';

/**
 * Invalidations written to the kernel from each mount's notifier thread while requests for the same inode and name
 * are being answered: the kernel may hold a notification until it has an answer, so a notification must never stop
 * the JavaScript thread from answering (a deadlock), and the answers must stay right.
 */
describe('kernel cache invalidations under load', () => {
  let work: string;
  let mnt: string;
  let mount: MountProcess | undefined;

  beforeAll(async () => {
    work = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-notify-'));
    mnt = join(work, 'mnt');
    await fs.mkdir(mnt);
    mount = await startFixtureMount('serve-invalidating.ts', [mnt, '4'], mnt);
  });

  afterAll(async () => {
    await stopMount(mount, mnt);
    await fs.rm(work, { recursive: true, force: true });
  });

  it('answers four concurrent readers and listers correctly while the file is invalidated thousands of times', async () => {
    const loop = `for i in $(seq 150); do cat ${mnt}/hello.txt; stat -c %s ${mnt}/hello.txt; ls ${mnt} > /dev/null; done`;
    const results = await Promise.all([1, 2, 3, 4].map(() => sh(loop, 120_000)));
    for (const result of results) {
      expect(result.code).toBe(0);
      expect(new Set(result.stdout.trim().split('\n'))).toEqual(new Set(['hello world', '12']));
    }
    const from = mount?.output().length ?? 0;
    mount?.child.kill('SIGUSR2');
    await waitUntil(async () => /notified \d+/.test(mount?.output().slice(from) ?? ''));
    expect(Number(/notified (\d+)/.exec(mount?.output().slice(from) ?? '')?.[1])).toBeGreaterThan(1_000);
  }, 180_000);

  it('unmounts at once with notifications still queued', async () => {
    await stopMount(mount, mnt);
    // The module unmounts, then lets SIGTERM end the process as it would have; SIGKILL would mean it hung.
    expect(await mount?.exited).toBe('SIGTERM');
    expect((await shOk('cat /proc/mounts')).includes(` ${mnt} `)).toBe(false);
    mount = undefined;
  });
});
