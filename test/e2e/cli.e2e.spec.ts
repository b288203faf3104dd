import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, MountProcess, startCliMount, stopMount, waitUntil } from './support/mount-process';
import { sh } from './support/shell';
import { TRANSPORT } from './support/transport';

const cli = (args: string): ReturnType<typeof sh> => sh(`${CLI} ${args}`, 20_000);

/** Bad input: one clear line on stderr, nothing mounted, exit 2 for usage errors and 1 for environment errors. */
describe('nestjs-fuse CLI', () => {
  let work: string;
  let src: string;
  let mnt: string;

  beforeAll(async () => {
    work = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-cli-'));
    await fs.chmod(work, 0o755);
    src = join(work, 'src');
    mnt = join(work, 'mnt');
    await fs.mkdir(src);
    await fs.mkdir(mnt);
    await fs.writeFile(join(work, 'plain-file'), 'x');
  });

  afterAll(async () => {
    await stopMount(undefined, mnt);
    await fs.rm(work, { recursive: true, force: true });
  });

  const isMountedAt = async (path: string): Promise<boolean> =>
    (await fs.readFile('/proc/mounts', 'utf8')).split('\n').some((line) => line.split(' ')[1] === path);

  const expectUsageError = async (args: string, message: RegExp, code = 2): Promise<void> => {
    const result = await cli(args);
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code, stdout: '' });
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  };

  it('prints help and version and exits 0', async () => {
    const help = await cli('mount --help');
    expect(help.code).toBe(0);
    for (const flag of ['--read-only', '--allow-other', '--debug', '--uid', '--page-cache', '--deadline', '--no-xattrs', '--op-stats', '--transport'])
      expect(help.stdout).toContain(flag);
    const version = await cli('--version');
    expect(version.code).toBe(0);
    const { version: expected } = JSON.parse(await fs.readFile(join(__dirname, '..', '..', 'package.json'), 'utf8'));
    expect(version.stdout.trim()).toBe(expected);
  });

  it('rejects an unknown flag', () => expectUsageError(`mount ${mnt} local ${src} --bogus`, /unknown option '--bogus'/));

  it('refuses to serve a local directory from inside its own mountpoint', async () => {
    await expectUsageError(`mount ${mnt} local ${mnt}`, /local source .* is inside the mountpoint .*: the mount would hide it and serve itself/);
    await fs.mkdir(join(mnt, 'inner'), { recursive: true });
    try {
      await expectUsageError(`mount ${mnt} local ${mnt}/inner`, /is inside the mountpoint/);
    } finally {
      await fs.rm(join(mnt, 'inner'), { recursive: true, force: true });
    }
  });

  it('rejects a missing argument', () => expectUsageError(`mount ${mnt} local`, /missing required argument 'source'/));

  it('rejects an unknown backend, listing the known ones', () =>
    expectUsageError(`mount ${mnt} ftp ${src}`, /unknown backend "ftp"\. Use one of: local, s3/));

  it('rejects s3 flags on the local backend', () =>
    expectUsageError(`mount ${mnt} local ${src} --endpoint http://127.0.0.1:9000`, /--endpoint only applies to the s3 backend/));

  it('rejects local flags on the s3 backend', () =>
    expectUsageError(`mount ${mnt} s3 some-bucket --no-inline-metadata`, /--no-inline-metadata only applies to the local backend/));

  it('rejects a missing local directory', () => expectUsageError(`mount ${mnt} local ${work}/nope`, /local directory .*\/nope does not exist/));

  it('rejects a local source that is not a directory', () =>
    expectUsageError(`mount ${mnt} local ${work}/plain-file`, /is not a directory\. Pass a directory to serve/));

  it('rejects a missing mountpoint, suggesting --mkdir', () =>
    expectUsageError(`mount ${work}/absent local ${src}`, /mountpoint .*\/absent does not exist\. Create it .* or pass --mkdir/));

  it('rejects a mountpoint that is a file', () =>
    expectUsageError(`mount ${work}/plain-file local ${src}`, /mountpoint .*plain-file is not a directory/));

  it('rejects malformed numbers', async () => {
    await expectUsageError(`mount ${mnt} local ${src} --uid abc`, /--uid needs a whole number/);
    await expectUsageError(`mount ${mnt} local ${src} --attr-ttl -1`, /--attr-ttl needs a number of seconds/);
    await expectUsageError(`mount ${mnt} local ${src} --umask 999`, /--umask needs an octal mask/);
    await expectUsageError(`mount ${mnt} local ${src} --page-cache sometimes`, /--page-cache must be one of auto, keep, drop, direct/);
    await expectUsageError(`mount ${mnt} local ${src} --transport fuse3`, /--transport must be one of auto, kernel, fuse-native, got "fuse3"/);
  });

  it('rejects bad values of the S3 request and metrics options, naming the fix', async () => {
    const s3 = `mount ${mnt} s3 some-bucket`;
    await expectUsageError(`${s3} --sse AES128`, /^nestjs-fuse: --sse must be one of AES256, aws:kms, aws:kms:dsse, got "AES128"\.\n$/);
    await expectUsageError(`${s3} --storage-class COLD`, /--storage-class must be one of .*STANDARD_IA.*, got "COLD"/);
    await expectUsageError(`${s3} --acl everyone`, /--acl must be one of .*bucket-owner-full-control.*, got "everyone"/);
    await expectUsageError(`${s3} --upload-checksum md5`, /--upload-checksum must be one of crc32c, crc32, sha256, off, got "md5"/);
    await expectUsageError(`${s3} --expected-bucket-owner 12345`, /--expected-bucket-owner needs a 12-digit AWS account id, got "12345"/);
    await expectUsageError(`${s3} --sse-kms-key-id arn:aws:kms:x`, /--sse-kms-key-id needs KMS encryption: add --sse aws:kms/);
    await expectUsageError(`${s3} --sse AES256 --sse-kms-key-id arn:aws:kms:x`, /--sse-kms-key-id needs KMS encryption/);
    await expectUsageError(`${s3} --max-inodes 10`, /--max-inodes must be at least 1000, got "10"/);
    await expectUsageError(`${s3} --metrics-port 70000`, /--metrics-port must be a TCP port \(0-65535\), got "70000"/);
    await expectUsageError(`mount ${mnt} local ${src} --sse AES256`, /--sse only applies to the s3 backend/);
  });

  it('rejects bad values of the log and daemon options, naming the fix', async () => {
    await expectUsageError(`mount ${mnt} local ${src} --log-level loud`, /--log-level must be one of error, warn, log, debug, verbose, got "loud"/);
    await expectUsageError(`mount ${mnt} local ${src} --log-format xml`, /--log-format must be one of text, json, got "xml"/);
    await expectUsageError(
      `mount ${mnt} local ${src} --log-file ${work}/no-such-dir/mount.log`,
      /--log-file .*\/no-such-dir\/mount\.log cannot be written \(ENOENT\)\. Pick a writable path\./,
    );
    await expectUsageError(`mount ${mnt} local ${src} --daemon --log-file ${work}/no-such-dir/mount.log`, /cannot be written \(ENOENT\)/);
    await expectUsageError(
      `mount ${mnt} local ${src} --metrics-port 0 --metrics-host 203.0.113.7`,
      /--metrics-port 0: cannot listen on 203\.0\.113\.7:0 \(EADDRNOTAVAIL\)/,
    );
    await expectUsageError(`unmount ${mnt} --timeout soon`, /--timeout needs a whole number ≥ 0, got "soon"/);
    await expectUsageError(
      `install-mount-helper --dir ${work}/no-such-dir`,
      /cannot write .*no-such-dir\/mount\.fuse\.nestjs-fuse \(ENOENT\)\. Run as root, or pass --dir\./,
    );
    expect(await isMountedAt(mnt)).toBe(false);
  });

  it('mounts with the transport --transport names, whatever NESTJS_FUSE_TRANSPORT says', async () => {
    for (const [flag, env] of [
      ['kernel', 'fuse-native'],
      ['fuse-native', 'kernel'],
    ]) {
      let mount: MountProcess | undefined;
      try {
        mount = await startCliMount(mnt, 'local', src, ['--transport', flag, '--debug'], { NESTJS_FUSE_TRANSPORT: env });
        expect(await sh(`ls ${mnt}`)).toMatchObject({ code: 0 });
        expect(mount.output()).toContain(`(${flag} transport)`);
      } finally {
        await stopMount(mount, mnt);
      }
    }
  });

  it('explains a missing permission for /dev/fuse', async () => {
    const result = await sh(`runuser -u nobody -- ${CLI} mount ${mnt} local ${src}`, 20_000);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/No permission to use \/dev\/fuse/);
  });

  it('refuses a mountpoint that is already served, and leaves that mount alone', async () => {
    let first: MountProcess | undefined;
    try {
      first = await startCliMount(mnt, 'local', src);
      const second = await cli(`mount ${mnt} local ${src}`);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/already mounted by a live filesystem\. Unmount it first/);
      expect((await sh(`ls ${mnt}`)).code).toBe(0);
    } finally {
      await stopMount(first, mnt);
    }
  });

  it('reports the owner and mask of --uid/--gid/--umask, and pairs --allow-other with default_permissions', async () => {
    let mount: MountProcess | undefined;
    try {
      await fs.writeFile(join(src, 'owned'), 'x');
      mount = await startCliMount(mnt, 'local', src, ['--uid', '1234', '--gid', '4321', '--umask', '027', '--allow-other']);
      // libfuse's umask replaces the permission bits, as on vfat and ntfs-3g: 0777 & ~027.
      expect((await sh(`stat -c '%u %g %a' ${mnt}/owned`)).stdout.trim()).toBe('1234 4321 750');
      const line = (await fs.readFile('/proc/mounts', 'utf8')).split('\n').find((entry) => entry.split(' ')[1] === mnt);
      expect(line?.split(' ')[3].split(',')).toEqual(expect.arrayContaining(['allow_other', 'default_permissions']));
    } finally {
      await stopMount(mount, mnt);
      await fs.rm(join(src, 'owned'), { force: true });
    }
  });

  it('serves no extended attributes with --no-xattrs, so the kernel stops asking for them', async () => {
    const getxattrsDuring = async (flags: string[]): Promise<{ asked: number; setfattr: string }> => {
      let mount: MountProcess | undefined;
      try {
        mount = await startCliMount(mnt, 'local', src, ['--debug', ...flags]);
        const before = mount.output().length;
        await sh(`dd if=/dev/zero of=${mnt}/written bs=64k count=16 status=none`);
        const logged = (pattern: RegExp): number => (mount?.output().slice(before).match(pattern) ?? []).length;
        await waitUntil(async () => logged(/write LocalFilesystem\.write/g) >= 16);
        const asked = logged(/getxattr LocalFilesystem/g);
        return { asked, setfattr: (await sh(`setfattr -n user.colour -v blue ${mnt}/written`)).stderr };
      } finally {
        await stopMount(mount, mnt);
        await fs.rm(join(src, 'written'), { force: true });
      }
    };
    // The kernel asks for security.capability before each write() to a filesystem with extended attributes (the
    // binding then remembers it missing: see listed-attributes.e2e.spec.ts).
    const served = await getxattrsDuring([]);
    expect(served.asked).toBeGreaterThanOrEqual(1);
    expect(served.setfattr).toBe('');
    const none = await getxattrsDuring(['--no-xattrs']);
    expect(none.asked).toBe(0);
    expect(none.setfattr).toMatch(/Operation not supported/);
  });

  it('prints a latency histogram per op at unmount with --op-stats', async () => {
    await fs.writeFile(join(src, 'counted'), Buffer.alloc(512 * 1024, 7));
    let mount: MountProcess | undefined;
    try {
      // Without passthrough, so the reads reach the handlers to be counted.
      mount = await startCliMount(mnt, 'local', src, ['--op-stats', '--no-passthrough']);
      // 512 KiB in 128 KiB requests, from a fresh mount: at least four reads.
      await sh(`dd if=${mnt}/counted of=/dev/null bs=128k iflag=direct status=none`);
      await sh(`cat ${mnt}/absent`);
      await stopMount(mount, mnt);
      const table = mount.output().split('op latencies')[1] ?? '';
      const row = (op: string): string[] =>
        table
          .match(new RegExp(`^${op} .*$`, 'm'))?.[0]
          .trim()
          .split(/\s{2,}/) ?? [];
      expect(row('op')).toEqual(['op', 'count', 'errors', 'p50 ≤', 'p90 ≤', 'p99 ≤', 'max', 'total']);
      expect(Number(row('read')[1])).toBeGreaterThanOrEqual(4);
      expect(row('read')[2]).toBe('0');
      expect(Number(row('open')[1])).toBeGreaterThanOrEqual(1);
      // The lookup of the missing name, answered ENOENT: a LOOKUP on the kernel transport, a getattr of its path on
      // libfuse 2's.
      expect(Number(row(TRANSPORT === 'kernel' ? 'lookup' : 'getattr')[2])).toBeGreaterThanOrEqual(1);
      for (const cell of row('read').slice(3)) expect(cell).toMatch(/^[\d.]+ (µs|ms|s)$/);
    } finally {
      await stopMount(mount, mnt);
      await fs.rm(join(src, 'counted'), { force: true });
    }
  });

  it('mounts read-only with --read-only and logs ops with --debug', async () => {
    let mount: MountProcess | undefined;
    try {
      mount = await startCliMount(mnt, 'local', src, ['--read-only', '--debug']);
      expect(mount.output()).toContain('(read-only)');
      expect((await sh(`touch ${mnt}/x`)).stderr).toMatch(/Read-only file system/);
      await sh(`ls ${mnt}`);
      expect(mount.output()).toMatch(/readdir LocalFilesystem\.readdir\(1, \d+, 0\) → ok in [\d.]+ ms/);
    } finally {
      await stopMount(mount, mnt);
    }
  });

  describe('environment variables', () => {
    const withEnv = (env: Record<string, string>, args: string): ReturnType<typeof sh> => sh(`${CLI} ${args}`, 20_000, { ...process.env, ...env });

    it('set an option as its flag would: NESTJS_FUSE_READ_ONLY=true mounts read-only, NESTJS_FUSE_XATTRS=false serves none', async () => {
      let mount: MountProcess | undefined;
      try {
        mount = await startCliMount(mnt, 'local', src, [], { NESTJS_FUSE_READ_ONLY: 'true', NESTJS_FUSE_XATTRS: 'false', NESTJS_FUSE_DEBUG: '1' });
        expect(mount.output()).toContain('(read-only)');
        expect((await sh(`touch ${mnt}/x`)).stderr).toMatch(/Read-only file system/);
        expect((await sh(`getfattr -n user.any ${mnt}`)).stderr).toMatch(/Operation not supported/);
        await sh(`ls ${mnt}`);
        expect(mount.output()).toMatch(/readdir LocalFilesystem\.readdir/);
      } finally {
        await stopMount(mount, mnt);
      }
    });

    it('lose to the command line, and false or 0 leaves a switch off', async () => {
      let mount: MountProcess | undefined;
      try {
        // A bad value the command line overrides is never read.
        mount = await startCliMount(mnt, 'local', src, ['--uid', '4321'], { NESTJS_FUSE_UID: 'nobody', NESTJS_FUSE_READ_ONLY: '0' });
        expect(mount.output()).not.toContain('(read-only)');
        expect((await sh(`stat -c %u ${mnt}`)).stdout.trim()).toBe('4321');
      } finally {
        await stopMount(mount, mnt);
      }
    });

    it('name the variable when its value is bad, with the fix, and exit 2', async () => {
      for (const [env, message] of [
        [{ NESTJS_FUSE_READ_ONLY: 'yes please' }, 'NESTJS_FUSE_READ_ONLY must be true or false (or 1 or 0), got "yes please".'],
        [{ NESTJS_FUSE_ENTRY_TTL: 'soon' }, 'NESTJS_FUSE_ENTRY_TTL=soon: --entry-ttl needs a number of seconds ≥ 0 (e.g. 1 or 0.5), got "soon".'],
        [
          { NESTJS_FUSE_CACHE_SIZE: 'lots' },
          'NESTJS_FUSE_CACHE_SIZE=lots: --cache-size needs a size such as 256 (MiB), 512K, 64M or 2G, got "lots".',
        ],
      ] as const) {
        const result = await withEnv(env, `mount ${mnt} s3 some-bucket`);
        expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({
          code: 2,
          stdout: '',
          stderr: `nestjs-fuse: ${message}\n`,
        });
      }
    });

    it("ignore the other backend's variables (set for a whole host), where its flags are refused", async () => {
      let mount: MountProcess | undefined;
      try {
        mount = await startCliMount(mnt, 'local', src, [], { NESTJS_FUSE_CACHE_SIZE: 'lots', NESTJS_FUSE_ENDPOINT: 'http://127.0.0.1:1' });
        expect(await sh(`ls ${mnt}`)).toMatchObject({ code: 0 });
      } finally {
        await stopMount(mount, mnt);
      }
    });

    it('are listed in the help, and every option with its variable in docs/CONFIGURATION.md', async () => {
      const help = (await cli('mount --help')).stdout;
      expect(help).toContain('NESTJS_FUSE_CACHE_SIZE=512M');
      const documented = await fs.readFile(join(__dirname, '..', '..', 'docs', 'CONFIGURATION.md'), 'utf8');
      const flags = [...help.matchAll(/^ {2}(--[a-z-]+)/gm)].map((match) => match[1]);
      expect(flags.length).toBeGreaterThan(40);
      for (const flag of flags) {
        expect(documented).toContain(`\`${flag}`);
        expect(documented).toContain(
          `NESTJS_FUSE_${flag
            .replace(/^--(no-)?/, '')
            .replace(/-/g, '_')
            .toUpperCase()}`,
        );
      }
    });
  });
});
