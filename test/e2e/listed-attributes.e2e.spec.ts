import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { delay, MountProcess, startFixtureMount, stopMount, waitUntil } from './support/mount-process';
import { sh, shOk } from './support/shell';

const FILES = 300;

/**
 * The patched binding answers the lookup of each name a readdir listed from the attributes that listing returned,
 * without a trip into JavaScript, for as long as the module's attribute cache would (scripts/build-fuse-native.js).
 */
describe('attributes from a listing answer the lookups that follow it', () => {
  let work: string;
  let src: string;
  let mnt: string;
  let mount: MountProcess | undefined;

  beforeAll(async () => {
    work = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-listed-'));
    src = join(work, 'src');
    mnt = join(work, 'mnt');
    await fs.mkdir(mnt);
    await fs.mkdir(src);
    await Promise.all(Array.from({ length: FILES }, (_, i) => fs.writeFile(join(src, `f${i}`), 'x'.repeat(i))));
  });

  afterEach(async () => {
    await stopMount(mount, mnt);
    mount = undefined;
  });

  afterAll(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  const serve = async (attrTtlMs: number): Promise<MountProcess> => {
    mount = await startFixtureMount('serve-local-counted.ts', [mnt, src, String(attrTtlMs)], mnt);
    return mount;
  };

  /** getattr requests that reached JavaScript so far. */
  const getattrRequests = async (served: MountProcess): Promise<number> => {
    const before = served.output().length;
    served.child.kill('SIGUSR2');
    const answer = (): RegExpExecArray | null => /getattr-requests (\d+)/.exec(served.output().slice(before));
    await waitUntil(async () => answer() !== null);
    return Number(answer()?.[1]);
  };

  it('lists 300 files with ls -l and asks JavaScript for almost none of their attributes', async () => {
    const served = await serve(5_000);
    const before = await getattrRequests(served);
    expect((await shOk(`ls -l ${mnt}`)).trim().split('\n')).toHaveLength(FILES + 1);
    expect((await getattrRequests(served)) - before).toBeLessThan(10);
    await stopMount(served, mnt);

    // Without an attribute cache, every name is one request.
    const uncached = await serve(0);
    const start = await getattrRequests(uncached);
    await shOk(`ls -l ${mnt} > /dev/null`);
    expect((await getattrRequests(uncached)) - start).toBeGreaterThanOrEqual(FILES);
  });

  it('shows a change made through the mount at once, even right after a listing', async () => {
    await serve(60_000);
    const listThen = (command: string): Promise<string> => shOk(`ls -l ${mnt} > /dev/null; ${command}`);
    expect(await listThen(`chmod 600 ${mnt}/f1; stat -c %a ${mnt}/f1`)).toBe('600\n');
    expect(await listThen(`echo more >> ${mnt}/f2; stat -c %s ${mnt}/f2`)).toBe('7\n');
    expect(await listThen(`touch -d 2001-02-03T04:05:06Z ${mnt}/f3; stat -c %Y ${mnt}/f3`)).toBe('981173106\n');
    await listThen(`mv ${mnt}/f4 ${mnt}/moved`);
    expect((await sh(`stat ${mnt}/f4`)).stderr).toMatch(/No such file or directory/);
    expect(await shOk(`stat -c %s ${mnt}/moved`)).toBe('4\n');
    await listThen(`rm ${mnt}/f5`);
    expect((await sh(`stat ${mnt}/f5`)).stderr).toMatch(/No such file or directory/);
  });

  it('keeps a listed name’s attributes no longer than the attribute TTL', async () => {
    await serve(300);
    await shOk(`ls -f ${mnt} > /dev/null`); // names only: nothing asks for the attributes it returned
    await fs.appendFile(join(src, 'f10'), 'changed beside the mount');
    await delay(600);
    expect(await shOk(`stat -c %s ${mnt}/f10`)).toBe(`${10 + 'changed beside the mount'.length}\n`);
  });
});
