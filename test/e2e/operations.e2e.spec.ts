import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MountProcess, startCliMount, stopMount, waitUntil } from './support/mount-process';
import { S3_CREDENTIALS, S3Server } from './support/s3-server';
import { sh, shOk } from './support/shell';
import { TRANSPORT } from './support/transport';

const BUCKET = 'operations';

/** What an operator does to a running mount: read its log (as JSON, from a file), send it SIGHUP and SIGUSR2. */
describe(`operating a mount (${TRANSPORT} transport)`, () => {
  let server: S3Server;
  let client: S3Client;
  let work: string;
  let mnt: string;
  let mount: MountProcess | undefined;

  const put = (key: string, body: string): Promise<unknown> => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  const signal = (name: NodeJS.Signals): boolean => mount?.child.kill(name) ?? false;
  const linesOf = async (file: string): Promise<string[]> =>
    (await fs.readFile(file, 'utf8').catch(() => '')).split('\n').filter((line) => line !== '');

  beforeAll(async () => {
    server = await S3Server.start();
    await server.createBucket(BUCKET);
    client = server.client();
    work = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-operations-'));
    mnt = join(work, 'mnt');
    await fs.mkdir(mnt);
    await fs.mkdir(join(work, 'src'));
  }, 60_000);

  afterEach(async () => {
    await stopMount(mount, mnt);
    mount = undefined;
  });

  afterAll(async () => {
    client?.destroy();
    await server?.destroy();
    if (work) await fs.rm(work, { recursive: true, force: true });
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
});
