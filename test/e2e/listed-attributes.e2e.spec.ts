import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { delay, MountProcess, startFixtureMount, stopMount, waitUntil } from './support/mount-process';
import { sh, shOk } from './support/shell';

const FILES = 300;

/**
 * The patched binding answers from what JavaScript told it, without a trip into JavaScript, for as long as the
 * module's attribute cache would (scripts/build-fuse-native.js): the lookup of each name a readdir listed, from the
 * attributes that listing returned, and an extended attribute JavaScript answered missing.
 */
describe('answers the patched binding gives without asking JavaScript again', () => {
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

  /** Handler calls of getxattr for `name` logged since `from` (the module logs every handler call here). */
  const getxattrCalls = (served: MountProcess, from: number, name: string): number =>
    served
      .output()
      .slice(from)
      .split('\n')
      .filter((line) => line.includes('LocalFilesystem.getxattr(') && line.includes(`"${name}"`)).length;

  it('remembers a missing extended attribute, so each write() does not ask JavaScript for security.capability', async () => {
    const served = await serve(60_000);
    const from = served.output().length;
    await shOk(`dd if=/dev/zero of=${mnt}/written bs=64k count=16 conv=notrunc status=none`);
    await waitUntil(
      async () =>
        (
          served
            .output()
            .slice(from)
            .match(/LocalFilesystem\.write\(/g) ?? []
        ).length >= 16,
    );
    expect(getxattrCalls(served, from, 'security.capability')).toBe(1);
  });

  it('forgets a missing extended attribute when an op through the mount could add one', async () => {
    await serve(60_000);
    expect((await sh(`getfattr -n user.colour ${mnt}/f20`)).stderr).toMatch(/No such attribute/);
    await shOk(`setfattr -n user.colour -v blue ${mnt}/f20`);
    expect(await shOk(`getfattr --only-values -n user.colour ${mnt}/f20`)).toBe('blue');
    expect((await sh(`getfattr -n user.shade ${mnt}/f21`)).stderr).toMatch(/No such attribute/);
    await shOk(`mv ${mnt}/f21 ${mnt}/f21.old && cp -a ${src}/f20 ${src}/f21`); // f21 now names a file that has attributes
    expect((await sh(`getfattr -n user.shade ${mnt}/f21`)).stderr).toMatch(/No such attribute/);
    expect(await shOk(`getfattr --only-values -n user.colour ${mnt}/f21`)).toBe('blue');
  });

  it('remembers a missing extended attribute no longer than the attribute TTL', async () => {
    await serve(300);
    expect((await sh(`getfattr -n user.tone ${mnt}/f22`)).stderr).toMatch(/No such attribute/);
    await shOk(`setfattr -n user.tone -v warm ${src}/f22`); // beside the mount
    await delay(600);
    expect(await shOk(`getfattr --only-values -n user.tone ${mnt}/f22`)).toBe('warm');
  });

  it('keeps a listed name’s attributes no longer than the attribute TTL', async () => {
    await serve(300);
    await shOk(`ls -f ${mnt} > /dev/null`); // names only: nothing asks for the attributes it returned
    await fs.appendFile(join(src, 'f10'), 'changed beside the mount');
    await delay(600);
    expect(await shOk(`stat -c %s ${mnt}/f10`)).toBe(`${10 + 'changed beside the mount'.length}\n`);
  });
});
