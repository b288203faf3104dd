import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsOp, FsResult, generateSharedOps, generateWorkerOps, runOps } from './support/fsx';
import { MountProcess, startCliMount, stopMount } from './support/mount-process';
import { S3_CREDENTIALS, S3Server } from './support/s3-server';

const OPS_PER_WORKER = Number(process.env.NESTJS_FUSE_FSX_WORKER_OPS ?? 200);
const SEED = Number(process.env.NESTJS_FUSE_FSX_SEED ?? 20261126);
const SHARED_FILES = ['s0', 's1', 's2'];
const BAND = 64 * 1024;

/**
 * Concurrent workers through one mount: on disjoint directories every worker's results must equal the same
 * operations run alone on a plain directory; on shared files (each worker its own byte band) no operation may fail and
 * the final contents must equal the reference's.
 */
async function concurrentRun(mountRoot: string, referenceRoot: string, workers: number, label: string): Promise<void> {
  const options = { xattr: false, links: label === 'local', symlinks: true, chmod: true };
  const plans = Array.from({ length: workers }, (_, w) => generateWorkerOps(SEED + w, OPS_PER_WORKER, options, `w${workers}-${w}`));
  const mounted = await Promise.all(plans.map((ops) => runOps(mountRoot, ops, label === 's3')));
  for (let w = 0; w < workers; w++) {
    const reference = await runOps(referenceRoot, plans[w], label === 's3');
    const index = mounted[w].findIndex((result, i) => JSON.stringify(result) !== JSON.stringify(reference[i]));
    if (index >= 0) {
      throw new Error(
        `${label}, ${workers} workers: worker ${w} differs at operation ${index} (seed ${SEED + w}): ${JSON.stringify(plans[w][index])}\n` +
          `  mount: ${JSON.stringify(mounted[w][index]).slice(0, 200)}\n  reference: ${JSON.stringify(reference[index]).slice(0, 200)}`,
      );
    }
  }
  const setup: FsOp[] = [
    { op: 'mkdir', path: `shared${workers}` },
    ...SHARED_FILES.map((f) => ({ op: 'create', path: `shared${workers}/${f}`, seed: 1, length: 0 })),
  ];
  const files = SHARED_FILES.map((f) => `shared${workers}/${f}`);
  await runOps(mountRoot, setup);
  await runOps(referenceRoot, setup);
  const shared = Array.from({ length: workers }, (_, w) => generateSharedOps(SEED, OPS_PER_WORKER, w, files, BAND));
  const results: FsResult[][] = await Promise.all(shared.map((ops) => runOps(mountRoot, ops)));
  const failed = results.flat().filter((result) => !('ok' in result));
  expect(failed).toEqual([]);
  for (const ops of shared) await runOps(referenceRoot, ops);
  const readAll: FsOp[] = files.map((path) => ({ op: 'readall', path }));
  expect(await runOps(mountRoot, readAll)).toEqual(await runOps(referenceRoot, readAll));
}

describe('concurrent differential operations', () => {
  let work: string;
  let server: S3Server;
  const mounts: MountProcess[] = [];

  beforeAll(async () => {
    work = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-fsxc-'));
    for (const dir of ['src', 'local-mnt', 'local-ref', 's3-mnt', 's3-ref']) await fs.mkdir(join(work, dir));
    server = await S3Server.start();
    await server.createBucket('fsxc-bucket');
    mounts.push(await startCliMount(join(work, 'local-mnt'), 'local', join(work, 'src'), ['--attr-ttl', '0', '--entry-ttl', '0']));
    mounts.push(
      await startCliMount(join(work, 's3-mnt'), 's3', 'fsxc-bucket', ['--endpoint', server.endpoint, '--path-style', '--symlinks'], S3_CREDENTIALS),
    );
  });

  afterAll(async () => {
    for (const mount of mounts) await stopMount(mount);
    await server?.destroy();
    await fs.rm(work, { recursive: true, force: true });
  });

  // One worker alone is the plain differential (differential.e2e.spec.ts).
  for (const workers of [4, 16]) {
    it(`local backend, ${workers} worker(s)`, () => concurrentRun(join(work, 'local-mnt'), join(work, 'local-ref'), workers, 'local'), 600_000);
    it(`S3 backend, ${workers} worker(s)`, () => concurrentRun(join(work, 's3-mnt'), join(work, 's3-ref'), workers, 's3'), 600_000);
  }
});
