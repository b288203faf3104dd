import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIRST_INO } from '../fixtures/caller-record.filesystem';
import { MountProcess, REPO, startFixtureMount, stopMount } from './support/mount-process';
import { shOk } from './support/shell';

const NAME_TO_HANDLE = join(REPO, 'test', 'e2e', 'fixtures', 'name-to-handle.py');

/**
 * What a handler learns of its caller and what it can tell the kernel of its inodes, on the kernel transport: the
 * caller's uid, gid, pid and umask reach create/mkdir/mknod; 64-bit inode numbers and generations reach the kernel.
 */
describe("a handler's request context and inode identity, on the kernel transport", () => {
  let work: string;
  let mnt: string;
  let mount: MountProcess | undefined;

  const lastCaller = async (): Promise<Record<string, unknown>> => JSON.parse(await shOk(`cat ${mnt}/last-caller`)) as Record<string, unknown>;

  beforeAll(async () => {
    work = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-context-'));
    mnt = join(work, 'mnt');
    await fs.mkdir(mnt);
    await fs.chmod(work, 0o755);
    mount = await startFixtureMount('serve-caller-record.ts', [mnt], mnt);
    await shOk(`: > ${mnt}/last-caller`);
  });

  afterAll(async () => {
    await stopMount(mount, mnt);
    await fs.rm(work, { recursive: true, force: true });
  });

  it("passes the caller's pid, uid, gid and umask to mkdir, create and mknod", async () => {
    const pid = (await shOk(`umask 027; echo $$; exec mkdir ${mnt}/dir`)).trim();
    expect(await lastCaller()).toEqual({ uid: 0, gid: 0, pid: Number(pid), known: true, umask: 0o027, mode: 0o750 });
    await shOk(`umask 077; : > ${mnt}/file`);
    expect(await lastCaller()).toMatchObject({ umask: 0o077, mode: 0o600 });
    await shOk(`umask 002; mkfifo ${mnt}/pipe`);
    expect(await lastCaller()).toMatchObject({ umask: 0o002, mode: 0o664 });
  });

  it('carries 64-bit inode numbers to stat and readdir', async () => {
    const [ino] = (await shOk(`stat -c %i ${mnt}/dir`)).trim().split('\n');
    expect(Number(ino)).toBeGreaterThan(2 ** 32);
    expect(Number(ino)).toBeGreaterThanOrEqual(FIRST_INO);
    expect(await shOk(`ls -i ${mnt} | grep -w dir`)).toContain(`${ino} dir`);
  });

  it("gives the kernel each inode's generation: a reused inode number is a new file in file handles", async () => {
    await shOk(`: > ${mnt}/first`);
    const [ino, generation] = (await shOk(`python3 ${NAME_TO_HANDLE} ${mnt}/first`)).trim().split(' ').map(Number);
    expect(ino).toBeGreaterThanOrEqual(FIRST_INO);
    await shOk(`rm ${mnt}/first && : > ${mnt}/second`);
    const [reusedIno, newGeneration] = (await shOk(`python3 ${NAME_TO_HANDLE} ${mnt}/second`)).trim().split(' ').map(Number);
    expect(reusedIno).toBe(ino);
    expect(newGeneration).toBe(generation + 1);
  });
});
