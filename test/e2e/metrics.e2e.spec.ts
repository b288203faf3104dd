import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import type { FaultProxy } from './support/fault-proxy';
import { S3Fixture } from './support/s3-fixture';
import { CLI, MountProcess, startCliMount, stopMount, waitUntil } from './support/mount-process';
import { S3_CREDENTIALS } from './support/s3-server';
import { sh, shOk } from './support/shell';
import { TRANSPORT } from './support/transport';

const BUCKET = 'metrics';
const OBJECT_BYTES = 8 * 1024 * 1024;
const WRITTEN_BYTES = 1_000_000;

/** One scrape: each sample by its name and labels, as `name{a="x",b="y"}` with the labels in the order served. */
type Samples = Map<string, number>;

function parse(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/** The sum of the samples of `name` whose labels include all of `labels`. */
function total(samples: Samples, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const [key, value] of samples) {
    if (key !== name && !key.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([label, wanted]) => key.includes(`${label}="${wanted}"`))) sum += value;
  }
  return sum;
}

/** `--metrics-port`: a mount's requests, S3 traffic and block cache, scraped while real tools use the mount. */
describe(`metrics (${TRANSPORT} transport)`, () => {
  let s3: S3Fixture;
  let proxy: FaultProxy;
  let work: string;
  let mnt: string;
  let mount: MountProcess | undefined;
  let url: string;

  const scrape = async (): Promise<Samples> => {
    const response = await fetch(url);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parse(await response.text());
  };
  const grown = (before: Samples, after: Samples, name: string, labels: Record<string, string> = {}): number =>
    total(after, name, labels) - total(before, name, labels);

  beforeAll(async () => {
    s3 = await S3Fixture.start(BUCKET, 'metrics');
    ({ proxy, work, mnt } = s3);
    await s3.put('data.bin', randomBytes(OBJECT_BYTES));
    const flags = ['--endpoint', proxy.endpoint, '--path-style', '--max-attempts', '2', '--metrics-port', '0'];
    mount = await startCliMount(mnt, 's3', BUCKET, flags, S3_CREDENTIALS);
    const printed = /metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(mount.output());
    if (!printed) throw new Error(`no metrics address in the output:\n${mount.output()}`);
    url = printed[1];
  }, 60_000);

  afterAll(async () => {
    await stopMount(mount, mnt);
    await s3?.stop();
  });

  it('counts a read by the bytes, the requests and their results, the S3 requests and the block cache', async () => {
    const before = await scrape();
    expect((await shOk(`cat ${mnt}/data.bin | wc -c`)).trim()).toBe(String(OBJECT_BYTES));
    expect((await sh(`stat ${mnt}/missing`)).code).not.toBe(0);
    const after = await scrape();
    expect(grown(before, after, 'nestjs_fuse_read_bytes_total', { mountpoint: mnt })).toBe(OBJECT_BYTES);
    expect(grown(before, after, 'nestjs_fuse_requests_total', { op: 'read', result: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(grown(before, after, 'nestjs_fuse_requests_total', { result: 'ENOENT' })).toBeGreaterThanOrEqual(1);
    expect(grown(before, after, 'nestjs_fuse_request_duration_seconds_count', { op: 'read' })).toBe(
      grown(before, after, 'nestjs_fuse_requests_total', { op: 'read' }),
    );
    expect(total(after, 'nestjs_fuse_requests_in_flight', { op: 'read' })).toBe(0);
    expect(grown(before, after, 'nestjs_fuse_s3_requests_total', { bucket: BUCKET, type: 'GetObject', status: '206' })).toBeGreaterThanOrEqual(1);
    expect(grown(before, after, 'nestjs_fuse_s3_requests_total', { type: 'HeadObject', status: '404' })).toBeGreaterThanOrEqual(1);
    // The first reads fetch what they ask for; once the reads are sequential, blocks are read ahead and cached.
    expect(grown(before, after, 'nestjs_fuse_s3_cache_misses_total', { bucket: BUCKET })).toBeGreaterThanOrEqual(1);
    expect(grown(before, after, 'nestjs_fuse_s3_cache_hits_total', { bucket: BUCKET })).toBeGreaterThanOrEqual(1);
    expect(grown(before, after, 'nestjs_fuse_s3_read_ahead_bytes_total', { bucket: BUCKET })).toBeGreaterThan(0);
    expect(total(after, 'nestjs_fuse_s3_cache_bytes', { bucket: BUCKET })).toBeGreaterThan(0);
    // The process's own metrics come along (prom-client's defaults).
    expect(total(after, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('counts written bytes through the handlers and the bytes uploaded', async () => {
    const before = await scrape();
    await shOk(`head -c ${WRITTEN_BYTES} /dev/urandom > ${mnt}/up.bin`);
    const after = await scrape();
    expect(grown(before, after, 'nestjs_fuse_written_bytes_total', { mountpoint: mnt })).toBe(WRITTEN_BYTES);
    expect(grown(before, after, 'nestjs_fuse_s3_upload_bytes_total', { bucket: BUCKET })).toBe(WRITTEN_BYTES);
    expect(grown(before, after, 'nestjs_fuse_s3_requests_total', { type: 'PutObject', status: '200' })).toBeGreaterThanOrEqual(1);
  });

  it('counts a failed upload, its retries and the answers that failed it', async () => {
    const before = await scrape();
    proxy.setSchedule({ rate: 1, kinds: ['internal'], methods: ['PUT'] });
    try {
      expect((await sh(`echo lost > ${mnt}/fails.txt`)).code).not.toBe(0);
    } finally {
      proxy.setSchedule({ rate: 0, kinds: [] });
    }
    const after = await scrape();
    expect(grown(before, after, 'nestjs_fuse_s3_failed_uploads_total', { bucket: BUCKET })).toBe(1);
    // --max-attempts 2: each PUT is tried twice.
    expect(grown(before, after, 'nestjs_fuse_s3_requests_total', { type: 'PutObject', status: '500' })).toBe(2);
    expect(grown(before, after, 'nestjs_fuse_s3_retries_total', { type: 'PutObject' })).toBe(1);
  });

  it('answers other paths with 404 and says where the metrics are', async () => {
    const response = await fetch(url.replace('/metrics', '/'));
    expect(response.status).toBe(404);
    expect(await response.text()).toMatch(/\/metrics/);
  });

  it('refuses a port already taken with one line, before mounting anything', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    const other = join(work, 'other');
    await fs.mkdir(other, { recursive: true });
    try {
      const result = await sh(`${CLI} mount ${other} s3 ${BUCKET} --endpoint ${proxy.endpoint} --path-style --metrics-port ${port}`, 30_000, {
        ...process.env,
        ...S3_CREDENTIALS,
      });
      expect(result.code).toBe(2);
      expect(result.stderr.trim()).toBe(`nestjs-fuse: --metrics-port ${port}: 127.0.0.1:${port} is already in use. Pick a free port.`);
      expect(await waitUntil(async () => !(await fs.readFile('/proc/mounts', 'utf8')).includes(other), 1_000)).toBe(true);
    } finally {
      taken.close();
    }
  });
});
