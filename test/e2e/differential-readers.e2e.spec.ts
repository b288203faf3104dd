import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeDivergence, differential, FsOp, generateOps, runOps } from './support/fsx';
import { MountProcess, startCliMount, stopMount } from './support/mount-process';
import { Readers, startReaders } from './support/readers';
import { TRANSPORT } from './support/transport';
import { S3_CREDENTIALS, S3Server } from './support/s3-server';

// The soak run sets larger numbers and more seeds.
const seeds = (variable: string, fallback: string): number[] => (process.env[variable] ?? fallback).split(',').map(Number);
// Local seed 3 diverged at operation 1,315 on the previous code (a utimes answered by a listing that overlapped it).
const LOCAL_SEEDS = seeds('NESTJS_FUSE_FSX_READER_SEEDS', '3,7');
const S3_SEEDS = seeds('NESTJS_FUSE_FSX_READER_S3_SEEDS', '7,20261130');
const LOCAL_OPS = Number(process.env.NESTJS_FUSE_FSX_READER_OPS ?? 1500);
const S3_OPS = Number(process.env.NESTJS_FUSE_FSX_READER_S3_OPS ?? 500);

/**
 * The differential workload while five other processes read every file and list the whole mount throughout, with
 * the caches at their defaults: answers that a listing or a lookup read while a change was under way must never
 * outlive the change (a stale size makes the kernel cut reads short), and the daemon must survive files removed
 * while open. Hard links are in on the kernel transport, where every name of a file is one kernel inode; libfuse 2 gives
 * each name its own kernel node, whose link count the kernel keeps for the attribute TTL (the plain differential runs
 * them there with --attr-ttl 0).
 */
async function runWithReaders(mount: MountProcess, mountRoot: string, referenceRoot: string, ops: FsOp[], seed: number, s3: boolean): Promise<void> {
  let readers: Readers | undefined;
  try {
    readers = startReaders(mountRoot);
    const divergence = await differential(mountRoot, referenceRoot, ops, s3, 50);
    if (divergence)
      throw new Error(`${describeDivergence(divergence, seed, ops)}\nthe mount's last output:\n${mount.output().split('\n').slice(-20).join('\n')}`);
  } finally {
    await readers?.stop();
  }
  expect({ exitCode: mount.child.exitCode, signal: mount.child.signalCode }).toEqual({ exitCode: null, signal: null });
  const tree: FsOp[] = [{ op: 'tree', path: '' }];
  expect(await runOps(mountRoot, tree, s3)).toEqual(await runOps(referenceRoot, tree, s3));
}

describe('differential operations with concurrent readers and listers', () => {
  let work: string;
  let server: S3Server | undefined;
  const mounts: MountProcess[] = [];

  beforeAll(async () => {
    work = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-fsxr-'));
    server = await S3Server.start();
  });

  afterAll(async () => {
    for (const mount of mounts) await stopMount(mount);
    await server?.destroy();
    await fs.rm(work, { recursive: true, force: true });
  });

  for (const seed of LOCAL_SEEDS) {
    it(`local backend, seed ${seed}: ${LOCAL_OPS} operations agree and the daemon survives`, async () => {
      const dir = join(work, `local-${seed}`);
      for (const sub of ['src', 'mnt', 'ref']) await fs.mkdir(join(dir, sub), { recursive: true });
      const mount = await startCliMount(join(dir, 'mnt'), 'local', join(dir, 'src'));
      mounts.push(mount);
      const ops = generateOps(seed, LOCAL_OPS, { xattr: true, links: TRANSPORT === 'kernel', symlinks: true, chmod: true });
      await runWithReaders(mount, join(dir, 'mnt'), join(dir, 'ref'), ops, seed, false);
    }, 900_000);
  }

  for (const seed of S3_SEEDS) {
    it(`S3 backend, seed ${seed}: ${S3_OPS} operations agree and the daemon survives`, async () => {
      const dir = join(work, `s3-${seed}`);
      for (const sub of ['mnt', 'ref']) await fs.mkdir(join(dir, sub), { recursive: true });
      const bucket = `readers-${seed}`;
      await server?.createBucket(bucket);
      const mount = await startCliMount(
        join(dir, 'mnt'),
        's3',
        bucket,
        ['--endpoint', server?.endpoint ?? '', '--path-style', '--symlinks'],
        S3_CREDENTIALS,
      );
      mounts.push(mount);
      const ops = generateOps(seed, S3_OPS, { xattr: false, links: false, symlinks: true, chmod: true });
      await runWithReaders(mount, join(dir, 'mnt'), join(dir, 'ref'), ops, seed, true);
    }, 900_000);
  }
});
