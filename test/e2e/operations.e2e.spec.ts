import type { S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import { FaultProxy } from './support/fault-proxy';
import { CLI, isMounted, MountProcess, startCliMount, stopMount, waitUntil } from './support/mount-process';
import { pidFile } from '../../src/cli/daemon-files';
import { S3Fixture } from './support/s3-fixture';
import { readObject, S3_CREDENTIALS, S3Server } from './support/s3-server';
import { sh, shOk } from './support/shell';
import { TRANSPORT } from './support/transport';

const BUCKET = 'operations';

/** What an operator does to a running mount: read its log (as JSON, from a file), send it SIGHUP and SIGUSR2. */
describe(`operating a mount (${TRANSPORT} transport)`, () => {
  let s3: S3Fixture;
  let server: S3Server;
  let client: S3Client;
  let work: string;
  let mnt: string;
  let mount: MountProcess | undefined;

  const env = (): NodeJS.ProcessEnv => ({ ...process.env, ...S3_CREDENTIALS });
  const put = (key: string, body: string): Promise<unknown> => s3.put(key, body);
  const signal = (name: NodeJS.Signals): boolean => mount?.child.kill(name) ?? false;
  const linesOf = async (file: string): Promise<string[]> =>
    (await fs.readFile(file, 'utf8').catch(() => '')).split('\n').filter((line) => line !== '');

  beforeAll(async () => {
    s3 = await S3Fixture.start(BUCKET, 'operations');
    ({ server, client, work, mnt } = s3);
    await fs.mkdir(join(work, 'src'));
  }, 60_000);

  afterEach(async () => {
    await stopMount(mount, mnt);
    mount = undefined;
  });

  afterAll(async () => {
    await s3?.stop();
  });

  it('logs one JSON object per line to --log-file, and no credential in any of them', async () => {
    const log = join(work, 'json.log');
    await put('data.txt', 'some data\n');
    mount = await startCliMount(
      mnt,
      's3',
      BUCKET,
      ['--endpoint', server.endpoint, '--path-style', '--log-format', 'json', '--debug', '--log-file', log],
      S3_CREDENTIALS,
    );
    await shOk(`cat ${mnt}/data.txt > /dev/null && ls -l ${mnt} > /dev/null && echo new > ${mnt}/new.txt`);
    expect((await sh(`cat ${mnt}/missing`)).code).not.toBe(0);
    await stopMount(mount, mnt);
    const lines = await linesOf(log);
    expect(lines.length).toBeGreaterThan(10);
    const entries = lines.map((line) => JSON.parse(line) as { level: string; message: string; timestamp: number; pid: number; context?: string });
    for (const entry of entries)
      expect(entry).toEqual(expect.objectContaining({ level: expect.any(String), message: expect.anything(), timestamp: expect.any(Number) }));
    expect(entries.some((entry) => entry.level === 'debug' && /lookup S3Filesystem\.lookup\(1, "missing"\) → ENOENT/.test(entry.message))).toBe(true);
    // The mount signed its requests with these; nothing of them, nor of any signature, may reach the log.
    for (const secret of [S3_CREDENTIALS.AWS_ACCESS_KEY_ID, S3_CREDENTIALS.AWS_SECRET_ACCESS_KEY, 'Signature=', 'X-Amz-Credential']) {
      expect(lines.filter((line) => line.includes(secret))).toEqual([]);
    }
  });

  it("drops its metadata caches on SIGHUP, so another client's change shows at once, and reopens its log file", async () => {
    const log = join(work, 'hup.log');
    await put('changing.txt', 'short\n');
    // Trusted for an hour; the kernel asks the daemon every time.
    const flags = [
      '--endpoint',
      server.endpoint,
      '--path-style',
      '--metadata-ttl',
      '3600',
      '--entry-ttl',
      '0',
      '--attr-ttl',
      '0',
      '--log-file',
      log,
      '--log-level',
      'log',
    ];
    // (--log-level log: the start's own lines show in the file moved away.)
    mount = await startCliMount(mnt, 's3', BUCKET, flags, S3_CREDENTIALS);
    const size = async (): Promise<string> => (await shOk(`stat -c %s ${mnt}/changing.txt`)).trim();
    expect(await size()).toBe('6');
    await put('changing.txt', 'a good deal longer now\n');
    expect(await size()).toBe('6');
    await fs.rename(log, `${log}.1`);
    signal('SIGHUP');
    expect(await waitUntil(async () => (await linesOf(log)).some((line) => line.includes('SIGHUP: metadata caches dropped')), 5_000)).toBe(true);
    expect(await size()).toBe('23');
    expect((await linesOf(`${log}.1`)).some((line) => line.includes('Mounted "s3"'))).toBe(true);
  });

  it('turns the trace of every request on and off with SIGUSR2', async () => {
    const log = join(work, 'usr2.log');
    mount = await startCliMount(mnt, 'local', join(work, 'src'), ['--log-file', log]);
    const traced = async (): Promise<number> => (await linesOf(log)).filter((line) => line.includes('LocalFilesystem.readdir(')).length;
    await shOk(`ls ${mnt}`);
    expect(await traced()).toBe(0);
    signal('SIGUSR2');
    expect(await waitUntil(async () => (await linesOf(log)).some((line) => line.includes('SIGUSR2: request tracing on')), 5_000)).toBe(true);
    await shOk(`ls ${mnt}`);
    expect(await waitUntil(async () => (await traced()) > 0, 5_000)).toBe(true);
    signal('SIGUSR2');
    expect(await waitUntil(async () => (await linesOf(log)).some((line) => line.includes('SIGUSR2: request tracing off')), 5_000)).toBe(true);
    const before = await traced();
    await shOk(`ls ${mnt}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await traced()).toBe(before);
  });

  it('tells systemd (NOTIFY_SOCKET) when it is ready and when it stops, in the foreground and as a daemon', async () => {
    const socket = join(work, 'notify.sock');
    const script = [
      'import socket, sys',
      's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
      's.bind(sys.argv[1])',
      'print("listening", flush=True)',
      'while True:',
      '    print(s.recv(4096).decode().replace("\\n", " "), flush=True)',
    ].join('\n');
    const listener = spawn('python3', ['-c', script, socket], { stdio: ['ignore', 'pipe', 'inherit'] });
    let heard = '';
    listener.stdout.on('data', (chunk: Buffer) => (heard += chunk.toString()));
    try {
      expect(await waitUntil(async () => heard.includes('listening'), 5_000)).toBe(true);
      mount = await startCliMount(mnt, 'local', join(work, 'src'), [], { NOTIFY_SOCKET: socket });
      const pid = mount.child.pid;
      expect(await waitUntil(async () => heard.includes(`READY=1 MAINPID=${pid} STATUS=serving ${mnt}`), 5_000)).toBe(true);
      await stopMount(mount, mnt);
      mount = undefined;
      expect(await waitUntil(async () => heard.includes(`STOPPING=1 STATUS=unmounting ${mnt}`), 5_000)).toBe(true);
      // As a daemon: the background process, not the command that started it, is the one to watch.
      const started = await sh(`${CLI} mount ${mnt} local ${join(work, 'src')} --daemon --log-file ${join(work, 'notify.log')}`, 30_000, {
        ...process.env,
        NOTIFY_SOCKET: socket,
      });
      const daemon = Number(/by process (\d+)/.exec(started.stdout)?.[1]);
      expect(await waitUntil(async () => heard.includes(`READY=1 MAINPID=${daemon} `), 5_000)).toBe(true);
      expect((await sh(`${CLI} unmount ${mnt}`)).code).toBe(0);
    } finally {
      listener.kill();
      await sh(`${CLI} unmount --force ${mnt}`);
    }
  });

  describe('--daemon and unmount', () => {
    let proxy: FaultProxy;
    const env = { ...process.env, ...S3_CREDENTIALS };
    const pidOf = async (): Promise<number> => Number((await fs.readFile(pidFile(mnt), 'utf8')).trim());
    const alive = async (pid: number): Promise<boolean> =>
      (await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => 'x) Z')).split(') ')[1][0] !== 'Z';

    beforeAll(async () => {
      proxy = await FaultProxy.start(server.endpoint);
    });

    afterAll(async () => {
      await sh(`${CLI} unmount --force ${mnt}`, 20_000);
      await proxy?.stop();
    });

    it('returns once the mount is ready; unmount waits for the upload in flight, and the daemon exits', async () => {
      const log = join(work, 'daemon.log');
      const started = await sh(`${CLI} mount ${mnt} s3 ${BUCKET} --endpoint ${proxy.endpoint} --path-style --daemon --log-file ${log}`, 30_000, env);
      expect(started).toMatchObject({ code: 0, stderr: '' });
      expect(started.stdout).toMatch(new RegExp(`mounted at ${mnt} by process \\d+, logging to ${log}; stop it with: nestjs-fuse unmount ${mnt}`));
      expect(await isMounted(mnt)).toBe(true);
      const pid = await pidOf();
      expect(await alive(pid)).toBe(true);
      // Uploads crawl: the copy's close is waiting for its upload when the unmount is asked for.
      await fs.writeFile(join(work, 'payload.bin'), createHash('sha512').update('x').digest().toString('hex').repeat(50_000));
      proxy.setSchedule({ rate: 1, kinds: ['delay'], methods: ['PUT'], delayMs: 1_500 });
      const putsBefore = proxy.requestsByKind.PUT ?? 0;
      const copy = spawn('cp', [join(work, 'payload.bin'), join(mnt, 'payload.bin')]);
      const copied = new Promise<number | null>((resolve) => copy.on('exit', resolve));
      try {
        expect(await waitUntil(async () => (proxy.requestsByKind.PUT ?? 0) > putsBefore, 10_000)).toBe(true);
        const unmounted = await sh(`${CLI} unmount ${mnt}`, 60_000);
        expect(unmounted).toEqual({ code: 0, stdout: `nestjs-fuse: unmounted ${mnt}\n`, stderr: '' });
      } finally {
        proxy.setSchedule({ rate: 0, kinds: [] });
      }
      expect(await copied).toBe(0);
      expect(await alive(pid)).toBe(false);
      expect(await isMounted(mnt)).toBe(false);
      const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');
      expect(md5(await readObject(client, BUCKET, 'payload.bin'))).toBe(md5(await fs.readFile(join(work, 'payload.bin'))));
      expect((await linesOf(log)).some((line) => line.includes(`unmounted ${mnt}`))).toBe(true);
    }, 90_000);

    it('fails with the reason on stderr and a non-zero exit when the mount cannot start, leaving nothing behind', async () => {
      const started = await sh(
        `${CLI} mount ${mnt} s3 ${BUCKET} --endpoint http://127.0.0.1:1 --path-style --max-attempts 1 --daemon --log-file ${join(work, 'failed.log')}`,
        60_000,
        env,
      );
      expect(started.code).toBe(1);
      expect(started.stderr).toMatch(/^nestjs-fuse: .*127\.0\.0\.1:1.*\n$/);
      expect(await isMounted(mnt)).toBe(false);
      expect((await sh(`pgrep -f 'mount ${mnt} s3'`)).stdout).toBe('');
    }, 90_000);

    it('says so, in one line, when nothing is mounted there', async () => {
      expect(await sh(`${CLI} unmount ${mnt}`)).toEqual({ code: 1, stdout: '', stderr: `nestjs-fuse: nothing is mounted at ${mnt}.\n` });
    });

    it('--force detaches a wedged mount at once: its process stopped, a reader stuck on it', async () => {
      const started = await sh(`${CLI} mount ${mnt} local ${join(work, 'src')} --daemon --log-file ${join(work, 'wedged.log')}`, 30_000, env);
      expect(started.code).toBe(0);
      const pid = await pidOf();
      process.kill(pid, 'SIGSTOP');
      const stuck = sh(`ls ${mnt}/nothing-here`, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const forced = await sh(`${CLI} unmount --force ${mnt}`, 20_000);
      expect(forced).toEqual({ code: 0, stdout: `nestjs-fuse: force-unmounted ${mnt}; writes in flight were lost\n`, stderr: '' });
      expect((await stuck).code).not.toBe(0);
      expect(await isMounted(mnt)).toBe(false);
      expect(await waitUntil(async () => !(await alive(pid)), 5_000)).toBe(true);
    }, 60_000);
  });

  describe('mount(8) and /etc/fstab', () => {
    beforeAll(async () => {
      // The set-up installs it; installing again is what a package user runs, and is idempotent.
      expect((await shOk(`${CLI} install-mount-helper`)).trim()).toBe(
        'nestjs-fuse: installed /sbin/mount.fuse.nestjs-fuse; mount -t fuse.nestjs-fuse <backend>:<source> <dir> -o <options> now works',
      );
    });

    afterEach(async () => {
      await sh(`${CLI} unmount --force ${mnt}`);
    });

    it('mounts with mount -t fuse.nestjs-fuse, options as -o, and umount stops the mount process', async () => {
      const log = join(work, 'helper.log');
      await shOk(`mount -t fuse.nestjs-fuse local:${join(work, 'src')} ${mnt} -o ro,entry_ttl=0,log_file=${log},_netdev,nofail,x-systemd.automount`);
      expect(await isMounted(mnt)).toBe(true);
      expect((await sh(`touch ${mnt}/x`)).stderr).toMatch(/Read-only file system/);
      await shOk(`umount ${mnt}`);
      expect(await waitUntil(async () => (await linesOf(log)).some((line) => line.includes(`unmounted ${mnt}`)), 5_000)).toBe(true);
      expect((await sh(`pgrep -f 'mount ${mnt} local'`)).stdout).toBe('');
    });

    it('mounts an fstab line of type fuse.nestjs-fuse with mount <mountpoint>', async () => {
      const fstab = join(work, 'fstab');
      await put('fstab.txt', 'from fstab\n');
      const options = `defaults,_netdev,nofail,endpoint=${server.endpoint},path_style,metadata_ttl=5,log_file=${join(work, 'fstab.log')}`;
      await fs.writeFile(fstab, `# an S3 bucket\ns3:${BUCKET} ${mnt} fuse.nestjs-fuse ${options} 0 0\n`);
      // `mount -T <file>` reads that file instead of /etc/fstab: the same parsing, without touching the host's.
      const mounted = await sh(`mount -T ${fstab} ${mnt}`, 30_000, env());
      expect(mounted.code).toBe(0);
      expect(await shOk(`cat ${mnt}/fstab.txt`)).toBe('from fstab\n');
      expect((await sh(`${CLI} unmount ${mnt}`)).code).toBe(0);
      expect(await isMounted(mnt)).toBe(false);
    });

    it('refuses a source it cannot read and an option it does not know, saying what to write', async () => {
      const badSource = await sh(`mount -t fuse.nestjs-fuse my-bucket ${mnt}`);
      expect([badSource.code, badSource.stderr.trim()]).toEqual([
        2,
        'nestjs-fuse: "my-bucket" is not a source of type fuse.nestjs-fuse. Write <backend>:<source>, e.g. s3:my-bucket or local:/srv/data.',
      ]);
      const badOption = await sh(`mount -t fuse.nestjs-fuse local:${join(work, 'src')} ${mnt} -o cache_sise=1G`);
      expect([badOption.code, badOption.stderr.trim()]).toEqual([2, "error: unknown option '--cache-sise'\n(Did you mean --cache-size?)"]);
      expect(await isMounted(mnt)).toBe(false);
    });
  });
});
