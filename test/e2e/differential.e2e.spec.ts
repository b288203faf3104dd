import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeDivergence, differential, FsOp, generateOps, runOps } from './support/fsx';
import { MountProcess, startCliMount, stopMount } from './support/mount-process';
import { S3_CREDENTIALS, S3Server } from './support/s3-server';
import { TRANSPORT } from './support/transport';

// NESTJS_FUSE_FSX_OPS / NESTJS_FUSE_FSX_SEED set the size and seed (the soak run uses 100,000 operations).
const OPS = Number(process.env.NESTJS_FUSE_FSX_OPS ?? 3_000);
const SEED = Number(process.env.NESTJS_FUSE_FSX_SEED ?? 20261126);

/**
 * The fsx of this project: seeded random operations applied through a real mount of the local backend and to a plain
 * directory, every result compared (bytes read, errno, types, sizes, modes, link counts, times set), then the final
 * trees. A divergence prints the seed and the operations up to it, which replay it.
 */
describe('differential random operations: local backend vs. a plain directory', () => {
  let work: string;
  let mount: MountProcess | undefined;

  beforeAll(async () => {
    work = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-fsx-'));
    for (const dir of ['src', 'mnt', 'ref']) await fs.mkdir(join(work, dir));
    // No attribute caches: a hard link's other names would otherwise show the old link count for a second. Names stay
    // cached: with --entry-ttl 0 every syscall resolves every component from the root, which grows with the square of
    // the depth, and 100,000 operations build trees ~50 levels deep (the final walk then took over 10 minutes).
    mount = await startCliMount(join(work, 'mnt'), 'local', join(work, 'src'), ['--attr-ttl', '0']);
  });

  afterAll(async () => {
    await stopMount(mount, join(work, 'mnt'));
    await fs.rm(work, { recursive: true, force: true });
  });

  /** A runner that failed on the mount (a hang ends in its timeout): with what the daemon last logged. */
  const withMountOutput = (error: Error): never => {
    throw new Error(`${error.message}\nthe mount's last output:\n${mount?.output().trimEnd().split('\n').slice(-40).join('\n')}`);
  };

  it(
    `agrees on ${OPS} operations (seed ${SEED}) and on the final tree`,
    async () => {
      const ops = generateOps(SEED, OPS, { xattr: true, links: true, symlinks: true, chmod: true });
      const divergence = await differential(join(work, 'mnt'), join(work, 'ref'), ops).catch(withMountOutput);
      if (divergence) {
        const replay = join(work, `..`, `nestjs-fuse-fsx-seed-${SEED}.json`);
        await fs.writeFile(replay, JSON.stringify(ops.slice(0, divergence.index + 1), null, 1));
        throw new Error(describeDivergence(divergence, SEED, ops, replay));
      }
      const tree: FsOp[] = [{ op: 'tree', path: '' }];
      const [mounted, reference] = [await runOps(join(work, 'mnt'), tree).catch(withMountOutput), await runOps(join(work, 'ref'), tree)];
      expect(mounted).toEqual(reference);
      // The backing directory holds exactly what the mount showed.
      expect(await runOps(join(work, 'src'), tree)).toEqual(reference);
    },
    Math.max(600_000, OPS * 15),
  );
});

const S3_OPS = Number(process.env.NESTJS_FUSE_FSX_S3_OPS ?? 1_500);

/** The same against the S3 backend, with the operations S3 supports (no hard links, no extended attributes). */
describe('differential random operations: S3 backend vs. a plain directory', () => {
  let server: S3Server;
  let work: string;
  let mount: MountProcess | undefined;

  beforeAll(async () => {
    server = await S3Server.start();
    await server.createBucket('fsx-bucket');
    work = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-fsx-s3-'));
    for (const dir of ['mnt', 'ref']) await fs.mkdir(join(work, dir));
    mount = await startCliMount(join(work, 'mnt'), 's3', 'fsx-bucket', ['--endpoint', server.endpoint, '--path-style', '--symlinks'], S3_CREDENTIALS);
  });

  afterAll(async () => {
    await stopMount(mount, join(work, 'mnt'));
    await server?.destroy();
    await fs.rm(work, { recursive: true, force: true });
  });

  it(
    `agrees on ${S3_OPS} operations (seed ${SEED}) and on the final tree`,
    async () => {
      const ops = generateOps(SEED, S3_OPS, { xattr: false, links: false, symlinks: true, chmod: true });
      // Directory modes and times are not compared: s3rver's listing order hides directory markers (see fsx-runner.js).
      const divergence = await differential(join(work, 'mnt'), join(work, 'ref'), ops, true);
      if (divergence) {
        throw new Error(describeDivergence(divergence, SEED, ops));
      }
      const tree: FsOp[] = [{ op: 'tree', path: '' }];
      expect(await runOps(join(work, 'mnt'), tree, true)).toEqual(await runOps(join(work, 'ref'), tree, true));
    },
    Math.max(600_000, S3_OPS * 30),
  );
});

const WRITEBACK_OPS = Number(process.env.NESTJS_FUSE_FSX_WRITEBACK_OPS ?? 1_500);

/**
 * The local backend with the kernel's writeback cache (kernel transport): the kernel keeps written pages and writes
 * them back later, at offsets and sizes of its own choosing, reading pages of files opened only for writing to fill
 * them. Every result must still equal the plain directory's, and so must the backing directory once all is written.
 */
(TRANSPORT === 'kernel' ? describe : describe.skip)('differential random operations: local backend with the writeback cache', () => {
  let work: string;
  let mount: MountProcess | undefined;

  beforeAll(async () => {
    work = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-fsx-wb-'));
    for (const dir of ['src', 'mnt', 'ref']) await fs.mkdir(join(work, dir));
    mount = await startCliMount(join(work, 'mnt'), 'local', join(work, 'src'), ['--attr-ttl', '0', '--writeback-cache']);
  });

  afterAll(async () => {
    await stopMount(mount, join(work, 'mnt'));
    await fs.rm(work, { recursive: true, force: true });
  });

  it(`agrees on ${WRITEBACK_OPS} operations (seed ${SEED}), on the final tree, and in the backing directory`, async () => {
    const ops = generateOps(SEED, WRITEBACK_OPS, { xattr: false, links: true, symlinks: true, chmod: true });
    const divergence = await differential(join(work, 'mnt'), join(work, 'ref'), ops);
    if (divergence) throw new Error(describeDivergence(divergence, SEED, ops));
    const tree: FsOp[] = [{ op: 'tree', path: '' }];
    const reference = await runOps(join(work, 'ref'), tree);
    expect(await runOps(join(work, 'mnt'), tree)).toEqual(reference);
    expect(await runOps(join(work, 'src'), tree)).toEqual(reference);
  }, 600_000);
});
