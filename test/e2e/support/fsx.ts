import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './mount-process';

/** One filesystem operation of the differential test; fields depend on `op`. */
export interface FsOp {
  op: string;
  path: string;
  to?: string;
  target?: string;
  seed?: number;
  length?: number;
  offset?: number;
  mode?: number;
  atime?: number;
  mtime?: number;
  name?: string;
  value?: string;
}

export type FsResult = { ok: unknown } | { errno: string } | { error: string };

export interface FsxOptions {
  xattr: boolean;
  links: boolean;
  symlinks: boolean;
  chmod: boolean;
}

/** A small deterministic PRNG (mulberry32), so a seed replays the same operations. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DIRS = ['', 'x', 'y', 'x/z'];
const NAMES = ['a', 'b', 'c', 'x', 'y', 'z'];

/**
 * Operations over a deliberately tiny namespace (a few names in a few directories, file and directory names
 * overlapping), so creates, renames, links and removals keep colliding and every error path gets exercised.
 */
export function generateOps(seed: number, count: number, options: FsxOptions): FsOp[] {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const int = (max: number): number => Math.floor(random() * max);
  const path = (): string => {
    const dir = pick(DIRS);
    const name = pick(NAMES);
    return dir === '' ? name : `${dir}/${name}`;
  };
  const weighted: Array<[number, () => FsOp]> = [
    [10, () => ({ op: 'create', path: path(), seed: int(2 ** 31), length: int(70_000) })],
    [10, () => ({ op: 'write', path: path(), seed: int(2 ** 31), length: 1 + int(70_000), offset: int(200_000) })],
    [6, () => ({ op: 'append', path: path(), seed: int(2 ** 31), length: 1 + int(9_000) })],
    [12, () => ({ op: 'read', path: path(), length: 1 + int(140_000), offset: int(210_000) })],
    [4, () => ({ op: 'readall', path: path() })],
    [5, () => ({ op: 'truncate', path: path(), length: int(150_000) })],
    [7, () => ({ op: 'rename', path: path(), to: path() })],
    [6, () => ({ op: 'unlink', path: path() })],
    [7, () => ({ op: 'mkdir', path: pick(DIRS.filter(Boolean)) })],
    [3, () => ({ op: 'mkdir', path: path() })],
    [5, () => ({ op: 'rmdir', path: pick([...DIRS.filter(Boolean), path()]) })],
    [12, () => ({ op: 'stat', path: path() })],
    [6, () => ({ op: 'readdir', path: pick(DIRS) })],
  ];
  if (options.links) weighted.push([3, () => ({ op: 'link', path: path(), to: path() })]);
  if (options.symlinks) {
    // Targets stay inside the root, or dangle: operations that follow links must never reach a file outside it.
    weighted.push([3, () => ({ op: 'symlink', path: path(), target: pick(['a', 'c', 'z/c', '/nonexistent-nestjs-fuse-fsx/t']) })]);
    weighted.push([2, () => ({ op: 'readlink', path: path() })]);
  }
  if (options.chmod) {
    weighted.push([4, () => ({ op: 'chmod', path: path(), mode: pick([0o600, 0o644, 0o755, 0o400]) })]);
    weighted.push([
      3,
      () => {
        const mtime = 1_600_000_000 + int(100_000_000);
        return { op: 'utimes', path: path(), atime: mtime - 1000, mtime };
      },
    ]);
  }
  if (options.xattr) {
    weighted.push([2, () => ({ op: 'setxattr', path: path(), name: pick(['user.k1', 'user.k2']), value: pick(['v1', 'value-two']) })]);
    weighted.push([2, () => ({ op: 'getxattr', path: path(), name: pick(['user.k1', 'user.k2']) })]);
  }
  const total = weighted.reduce((sum, [weight]) => sum + weight, 0);
  const ops: FsOp[] = [];
  for (let i = 0; i < count; i++) {
    let roll = random() * total;
    for (const [weight, make] of weighted) {
      roll -= weight;
      if (roll <= 0) {
        ops.push(make());
        break;
      }
    }
  }
  return ops;
}

/** Runs operations under `root` in a child process and returns one result per operation. */
export function runOps(root: string, ops: FsOp[], ignoreDirMetadata = false, timeoutMs = 600_000): Promise<FsResult[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [join(REPO, 'test', 'e2e', 'fixtures', 'fsx-runner.js')],
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const lastSteps = stderr.trimEnd().split('\n').slice(-3).join('\n');
          return reject(new Error(`fsx runner under ${root} failed: ${error.message.split('\n')[0]}\nits last steps:\n${lastSteps}`));
        }
        resolve(JSON.parse(stdout) as FsResult[]);
      },
    );
    child.stdin?.end(JSON.stringify({ root, ops, ignoreDirMetadata }));
  });
}

export interface Divergence {
  index: number;
  op: FsOp;
  mount: FsResult;
  reference: FsResult;
}

/**
 * Applies the same operations to the mount and to a plain reference directory, in batches, and returns the first
 * operation whose results differ (the shortest failing prefix is everything up to it), or undefined.
 */
export async function differential(
  mountRoot: string,
  referenceRoot: string,
  ops: FsOp[],
  ignoreDirMetadata = false,
  batch = 500,
): Promise<Divergence | undefined> {
  for (let start = 0; start < ops.length; start += batch) {
    const slice = ops.slice(start, start + batch);
    const [mount, reference] = [await runOps(mountRoot, slice, ignoreDirMetadata), await runOps(referenceRoot, slice, ignoreDirMetadata)];
    for (let i = 0; i < slice.length; i++) {
      if (JSON.stringify(mount[i]) !== JSON.stringify(reference[i])) {
        return { index: start + i, op: slice[i], mount: mount[i], reference: reference[i] };
      }
    }
  }
  return undefined;
}

/** The failure message of a divergence: seed, operation, both results, and the operations just before it. */
export function describeDivergence(divergence: Divergence, seed: number, ops: FsOp[], replayFile?: string): string {
  return (
    `mount and reference differ at operation ${divergence.index} of seed ${seed}: ${JSON.stringify(divergence.op)}\n` +
    `  mount:     ${JSON.stringify(divergence.mount).slice(0, 300)}\n  reference: ${JSON.stringify(divergence.reference).slice(0, 300)}\n` +
    (replayFile ? `the ${divergence.index + 1} operations that reproduce it: ${replayFile}\n` : '') +
    `last ones: ${JSON.stringify(ops.slice(Math.max(0, divergence.index - 12), divergence.index + 1))}`
  );
}

/** The same kind of operations, confined to the directory `dir` (created first): one worker of a concurrent run. */
export function generateWorkerOps(seed: number, count: number, options: FsxOptions, dir: string): FsOp[] {
  const inside = (p: string | undefined): string | undefined => (p === undefined ? undefined : p === '' ? dir : `${dir}/${p}`);
  return [
    { op: 'mkdir', path: dir },
    ...generateOps(seed, count, options).map((op) => ({ ...op, path: inside(op.path) as string, to: inside(op.to) })),
  ];
}

/**
 * Workers that share files: each writes and reads only its own band of bytes in every shared file, so the final
 * content does not depend on how the workers interleave, while their requests on the same inodes do.
 */
export function generateSharedOps(seed: number, count: number, worker: number, files: string[], band: number): FsOp[] {
  const random = prng(seed * 1000 + worker);
  const ops: FsOp[] = [];
  for (let i = 0; i < count; i++) {
    const path = files[Math.floor(random() * files.length)];
    const length = 1 + Math.floor(random() * (band / 4));
    const offset = worker * band + Math.floor(random() * (band - length));
    ops.push(random() < 0.6 ? { op: 'write', path, seed: Math.floor(random() * 2 ** 31), length, offset } : { op: 'read', path, length, offset });
  }
  return ops;
}
