import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import type { FaultProxy } from './support/fault-proxy';
import { S3Fixture } from './support/s3-fixture';
import { MountProcess, startCliMount, stopMount } from './support/mount-process';
import { readObject, S3_CREDENTIALS } from './support/s3-server';
import { sh, shOk } from './support/shell';

const BUCKET = 'faults-bucket';
const MiB = 1024 * 1024;

/** The S3 backend through a fault-injecting proxy: transient faults are retried, lasting ones are errors, never bad data. */
describe('S3 backend under injected faults', () => {
  let s3: S3Fixture;
  let proxy: FaultProxy;
  let client: S3Client;
  let work: string;
  let mnt: string;
  let mount: MountProcess | undefined;
  const data = randomBytes(32 * MiB);

  const get = (key: string): Promise<Buffer> => readObject(client, BUCKET, key);

  beforeAll(async () => {
    s3 = await S3Fixture.start(BUCKET, 'faults', 42);
    ({ client, proxy, work, mnt } = s3);
    await s3.put('data.bin', data);
    await fs.writeFile(join(work, 'data.bin'), data);
    mount = await startCliMount(
      mnt,
      's3',
      BUCKET,
      // A small block cache, so the random reads below go to the server (through the faults) instead of the cache.
      [
        '--endpoint',
        proxy.endpoint,
        '--path-style',
        '--max-attempts',
        '10',
        '--request-timeout',
        '5000',
        '--metadata-ttl',
        '0',
        '--negative-ttl',
        '0',
        '--attr-ttl',
        '0',
        '--entry-ttl',
        '0',
        '--page-cache',
        'drop',
        '--cache-size',
        '4M',
      ],
      S3_CREDENTIALS,
    );
  });

  afterAll(async () => {
    // The figures docs/DEVELOPING.md ("Fault injection") quotes.
    if (proxy) process.stdout.write(`faults injected: ${proxy.faults} (${JSON.stringify(proxy.injected)})\n`);
    await stopMount(mount, mnt);
    await s3?.stop();
  });

  afterEach(() => proxy.setSchedule({ rate: 0, kinds: [] }));

  it('reads byte-exact while 20 % of requests fail transiently (resets, 500, 503, truncated bodies)', async () => {
    proxy.setSchedule({ rate: 0.2, kinds: ['reset', 'internal', 'slowdown', 'truncate'] });
    const before = proxy.faults;
    await shOk(`cmp ${work}/data.bin ${mnt}/data.bin`, 120_000);
    const script = [
      'import random, sys',
      'random.seed(7)',
      `a = open('${work}/data.bin', 'rb'); b = open('${mnt}/data.bin', 'rb', buffering=0)`,
      'for i in range(60):',
      `    off = random.randrange(0, ${32 * MiB - 65536}); a.seek(off); b.seek(off)`,
      '    if a.read(65536) != b.read(65536): sys.exit(f"mismatch at {off}")',
      "print('ok')",
    ].join('\n');
    await fs.writeFile(join(work, 'random.py'), script);
    expect(await shOk(`python3 ${work}/random.py`, 120_000)).toBe('ok\n');
    expect(proxy.faults - before).toBeGreaterThan(5);
    expect(proxy.injected.truncate).toBeGreaterThan(0);
  });

  it('writes every byte while 20 % of requests fail transiently', async () => {
    // Faults that the server never sees (cut before forwarding, or answered by the proxy): retrying them is safe.
    proxy.setSchedule({ rate: 0.2, kinds: ['reset', 'internal', 'slowdown'] });
    const before = proxy.faults;
    await shOk(`dd if=${work}/data.bin of=${mnt}/written.bin bs=1M count=24 status=none && printf 'small\\n' > ${mnt}/small.txt`, 120_000);
    expect((await get('written.bin')).equals(data.subarray(0, 24 * MiB))).toBe(true);
    expect((await get('small.txt')).toString()).toBe('small\n');
    expect(proxy.faults - before).toBeGreaterThan(0);
  });

  it('never returns short data as success: every body cut short → EIO', async () => {
    proxy.setSchedule({ rate: 1, kinds: ['truncate'], methods: ['GET'] });
    const result = await sh(`head -c 65536 ${mnt}/data.bin > /dev/null`, 120_000);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Input\/output error/);
    proxy.setSchedule({ rate: 0, kinds: [] });
    await shOk(`cmp ${work}/data.bin ${mnt}/data.bin`, 120_000);
  });

  it('fails close() when uploads fail for good, and leaves no object', async () => {
    proxy.setSchedule({ rate: 1, kinds: ['internal'], methods: ['PUT', 'POST'] });
    const result = await sh(`printf 'lost' > ${mnt}/never.txt`, 120_000);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Input\/output error/);
    proxy.setSchedule({ rate: 0, kinds: [] });
    await expect(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'never.txt' }))).rejects.toMatchObject({ name: 'NotFound' });
    expect(mount?.output()).toMatch(/Upload of never\.txt failed/);
    // The mount is still usable.
    await shOk(`printf 'fine' > ${mnt}/after.txt`);
    expect((await get('after.txt')).toString()).toBe('fine');
  });
});
