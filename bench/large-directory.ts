/**
 * One directory of many small objects on s3rver, listed three ways in one run: the raw paginated ListObjectsV2 (the
 * ceiling), `ls -l` and `find -type f` through a fresh nestjs-fuse mount each. Reports times as ratios to the raw
 * listing, the requests the mount sent by kind (through a counting proxy), and the daemon's peak RSS.
 *
 *   npm run bench:large-directory                 100,000 keys
 *   npm run bench:large-directory -- --million    1,000,000 keys
 *   npm run bench:large-directory -- --keys 2000  any count (CI's smoke run uses a small one)
 *   … -- --synthetic                               a made-up listing instead of s3rver (fixtures/listing-server.ts):
 *                                                  s3rver needs hours to list a million keys; this measures memory
 */
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaultProxy } from '../test/e2e/support/fault-proxy';
import { startCliMount, stopMount } from '../test/e2e/support/mount-process';
import { S3_CREDENTIALS, S3Server } from '../test/e2e/support/s3-server';
import { ListingServer } from './fixtures/listing-server';

const BUCKET = 'large-directory';
const PREFIX = 'dir/';
const PUT_CONCURRENCY = 200;

interface Run {
  name: string;
  seconds: number;
  requests?: Record<string, number>;
  peakRssMiB?: number;
}

function keyCount(argv: string[]): number {
  if (argv.includes('--million')) return 1_000_000;
  const at = argv.indexOf('--keys');
  if (at < 0) return 100_000;
  const keys = Number(argv[at + 1]);
  if (!Number.isInteger(keys) || keys < 1) throw new Error(`--keys needs a positive whole number, not "${argv[at + 1]}"`);
  return keys;
}

function shell(command: string): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (code) =>
      code === 0 ? resolve(Number(process.hrtime.bigint() - started) / 1e9) : reject(new Error(`${command}: exit ${code}`)),
    );
  });
}

async function peakRssMiB(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kib = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kib === undefined ? undefined : Number(kib) / 1024;
}

/** The S3 endpoint the run lists: s3rver with the keys written to it, or the made-up listing. */
interface Endpoint {
  name: string;
  endpoint: string;
  stop(): Promise<void>;
}

async function s3rverWith(keys: number): Promise<Endpoint> {
  const server = await S3Server.start();
  const client = server.client();
  try {
    await server.createBucket(BUCKET);
    const started = Date.now();
    for (let i = 0; i < keys; i += PUT_CONCURRENCY) {
      const batch = Array.from({ length: Math.min(PUT_CONCURRENCY, keys - i) }, (_, j) => `${PREFIX}f${String(i + j).padStart(7, '0')}`);
      await Promise.all(batch.map((key) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }))));
      if ((i / PUT_CONCURRENCY) % 100 === 0) process.stderr.write(`\rcreated ${i + batch.length} of ${keys} keys`);
    }
    process.stderr.write(`\rcreated ${keys} keys in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  } finally {
    client.destroy();
  }
  return { name: 's3rver', endpoint: server.endpoint, stop: () => server.destroy() };
}

async function syntheticWith(keys: number): Promise<Endpoint> {
  const server = await ListingServer.start(BUCKET, PREFIX, keys);
  return { name: 'a made-up listing (bench/fixtures/listing-server.ts)', endpoint: server.endpoint, stop: () => server.stop() };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const keys = keyCount(argv);
  const target = argv.includes('--synthetic') ? await syntheticWith(keys) : await s3rverWith(keys);
  const proxy = await FaultProxy.start(target.endpoint);
  const work = await mkdtemp(join(tmpdir(), 'nestjs-fuse-bench-large-'));
  const client = new S3Client({
    endpoint: target.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3_CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: S3_CREDENTIALS.AWS_SECRET_ACCESS_KEY },
  });
  try {
    const runs: Run[] = [];
    const rawStarted = process.hrtime.bigint();
    let listed = 0;
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: PREFIX, Delimiter: '/', ContinuationToken: token }));
      listed += (page.Contents ?? []).length;
      token = page.NextContinuationToken;
    } while (token);
    if (listed !== keys) throw new Error(`the raw listing found ${listed} keys, not ${keys}`);
    runs.push({ name: 'raw paginated listing', seconds: Number(process.hrtime.bigint() - rawStarted) / 1e9 });

    for (const [name, command] of [
      ['ls -l', (dir: string) => `ls -l ${dir} > /dev/null`],
      ['find -type f', (dir: string) => `find ${dir} -type f > /dev/null`],
    ] as const) {
      const mnt = join(work, name.split(' ')[0]);
      await mkdir(mnt);
      const mount = await startCliMount(mnt, 's3', BUCKET, ['--endpoint', proxy.endpoint, '--path-style'], S3_CREDENTIALS);
      try {
        const before = { ...proxy.requestsByKind };
        const seconds = await shell(command(join(mnt, PREFIX)));
        const requests = Object.fromEntries(Object.entries(proxy.requestsByKind).map(([kind, n]) => [kind, n - (before[kind] ?? 0)]));
        runs.push({ name, seconds, requests, peakRssMiB: await peakRssMiB(mount.child.pid) });
      } finally {
        await stopMount(mount, mnt);
      }
    }
    report(keys, target.name, runs);
    await mkdir(join(__dirname, 'results'), { recursive: true });
    const file = join(
      __dirname,
      'results',
      `${new Date().toISOString().replace(/[:.]/g, '-')}-large-directory-${keys}${argv.includes('--synthetic') ? '-synthetic' : ''}.json`,
    );
    await writeFile(file, `${JSON.stringify({ keys, runs }, null, 2)}\n`);
    console.log(`\nwritten to ${file}`);
  } finally {
    client.destroy();
    await proxy.stop();
    await target.stop();
    await rm(work, { recursive: true, force: true });
  }
}

function report(keys: number, endpoint: string, runs: Run[]): void {
  const raw = runs[0].seconds;
  const pages = Math.ceil(keys / 1000);
  console.log(`\nOne directory of ${keys.toLocaleString('en')} keys on ${endpoint} (${pages} listing pages), nestjs-fuse on its default transport\n`);
  console.log('| | seconds | ÷ raw listing | HEAD | LIST | GET | daemon peak RSS (MiB) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const run of runs) {
    const requests = run.requests;
    const count = (kind: string): string => (requests ? String(requests[kind] ?? 0) : '');
    console.log(
      `| ${run.name} | ${run.seconds.toFixed(2)} | ${(run.seconds / raw).toFixed(2)}× | ${count('HEAD')} | ${count('LIST')} | ${count('GET')} | ${run.peakRssMiB?.toFixed(0) ?? ''} |`,
    );
  }
  const lsl = runs.find((run) => run.name === 'ls -l');
  console.log('\nTargets:');
  for (const run of runs.slice(1)) {
    // The directory's own lookup may cost a HEAD of its name, one of its marker and a one-key LIST; the rest is per name.
    const perName = Math.max(0, (run.requests?.HEAD ?? 0) - 2) + Math.max(0, (run.requests?.LIST ?? 0) - pages - 2);
    console.log(
      `- ${run.name}: requests per listed name 0: ${perName === 0 ? 'met' : 'MISSED'} (${perName} beyond the pages and the directory's lookup)`,
    );
  }
  if (lsl) console.log(`- ls -l ≤ 1.3× the raw listing: ${lsl.seconds / raw <= 1.3 ? 'met' : 'MISSED'} (${(lsl.seconds / raw).toFixed(2)}×)`);
  if (keys <= 100_000 && keys >= 10_000 && lsl?.peakRssMiB !== undefined) {
    console.log(
      `- peak RSS ≤ 300 MiB at ${keys.toLocaleString('en')} keys: ${lsl.peakRssMiB <= 300 ? 'met' : 'MISSED'} (${lsl.peakRssMiB.toFixed(0)} MiB)`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
