import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, isMounted, MountProcess, startMount, stopMount } from './support/mount-process';
import { sh, shOk } from './support/shell';
import { itOnKernelTransport, TRANSPORT } from './support/transport';

const NOBODY = 65534;
/**
 * The daemon runs as nobody, which may not mount(2); it keeps only CAP_DAC_READ_SEARCH so it can read the checkout
 * wherever CI cloned it.
 */
const AS_NOBODY = [
  'setpriv',
  `--reuid=${NOBODY}`,
  `--regid=${NOBODY}`,
  '--clear-groups',
  '--inh-caps=+dac_read_search',
  '--ambient-caps=+dac_read_search',
];

/**
 * A mount served by a user other than root, on the transport under test: it mounts through fusermount (set-user-ID
 * root), which hands the /dev/fuse descriptor back, and unmounts through it. /dev/fuse is made 0666 for the test, as
 * Debian's udev rule makes it.
 */
describe(`a mount served by a user other than root (${TRANSPORT} transport)`, () => {
  let work: string;
  let src: string;
  let mnt: string;
  let deviceMode: number;
  let mount: MountProcess | undefined;

  beforeAll(async () => {
    deviceMode = (await fs.stat('/dev/fuse')).mode & 0o777;
    await fs.chmod('/dev/fuse', 0o666);
    work = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-user-'));
    src = join(work, 'src');
    mnt = join(work, 'mnt');
    await fs.mkdir(src);
    await fs.mkdir(mnt);
    await fs.writeFile(join(src, 'hello'), 'hello\n');
    await shOk(`chown -R ${NOBODY}:${NOBODY} ${work} && chmod 755 ${work}`);
    mount = await startMount([...AS_NOBODY, CLI, 'mount', mnt, 'local', src, '--transport', TRANSPORT], mnt);
  });

  afterAll(async () => {
    await stopMount(mount, mnt);
    await fs.chmod('/dev/fuse', deviceMode);
    await fs.rm(work, { recursive: true, force: true });
  });

  it('mounts as that user, who reads and writes through it', async () => {
    expect(await shOk(`grep " ${mnt} " /proc/mounts`)).toMatch(new RegExp(`user_id=${NOBODY},group_id=${NOBODY}`));
    expect(await shOk(`runuser -u nobody -- cat ${mnt}/hello`)).toBe('hello\n');
    await shOk(`runuser -u nobody -- sh -c 'echo written > ${mnt}/new'`);
    expect(await fs.readFile(join(src, 'new'), 'utf8')).toBe('written\n');
    expect((await fs.stat(join(src, 'new'))).uid).toBe(NOBODY);
  });

  itOnKernelTransport('serves files through the handlers, saying so once, where passthrough needs privileges it lacks', async () => {
    await fs.writeFile(join(src, 'data'), Buffer.alloc(256 * 1024, 7));
    await shOk(`chown ${NOBODY} ${src}/data`);
    for (let i = 0; i < 3; i++) expect(await shOk(`runuser -u nobody -- sh -c 'md5sum < ${mnt}/data'`)).toBe(await shOk(`md5sum < ${src}/data`));
    expect(mount?.output().match(/Passthrough is off for this mount \(.*Operation not permitted.*\)/g)).toHaveLength(1);
  });

  it('keeps other users out without allow_other, root included', async () => {
    const asRoot = await sh(`cat ${mnt}/hello`);
    expect([asRoot.code, asRoot.stderr]).toEqual([1, expect.stringMatching(/Permission denied/)]);
  });

  it('unmounts through fusermount when stopped', async () => {
    mount?.child.kill('SIGTERM');
    expect(await mount?.exited).toBe(0);
    expect(await isMounted(mnt)).toBe(false);
    mount = undefined;
  });

  itOnKernelTransport('says what to install when there is no fusermount to mount through', async () => {
    const result = await sh(
      `${AS_NOBODY.join(' ')} env PATH=/nonexistent ${process.execPath} ${CLI} mount ${mnt} local ${src} --transport kernel`,
      20_000,
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(
      /fusermount3 or fusermount, and neither is on PATH\. Install one \(Debian: apt-get install fuse3\), or run as root/,
    );
    expect(await isMounted(mnt)).toBe(false);
  });
});
