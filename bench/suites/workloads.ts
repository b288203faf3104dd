import { Measurement, Metric, Workload } from '../support/model';
import { createFiles, findStat, listLong, randomRead, remove, sequentialRead, sequentialWrite, statLoop } from '../support/fs-workloads';
import { describeBytes } from '../support/sizes';

const COLD: Metric = { key: 'coldMBs', label: 'cold read MB/s', better: 'higher' };
const REREAD: Metric = { key: 'rereadMBs', label: 're-read MB/s', better: 'higher' };
const CPU: Metric = { key: 'cpuS', label: 'daemon CPU s', better: 'lower' };
const RSS: Metric = { key: 'rssMiB', label: 'daemon peak RSS MiB', better: 'lower' };
const IOPS: Metric = { key: 'iops', label: 'IOPS', better: 'higher' };
const PULLED: Metric = { key: 'pulledPerRead', label: 'bytes pulled per byte read', better: 'lower' };

type Raw = () => Promise<Measurement>;

/** The daemon-free ceilings have no daemon, hence no RSS figure; the raw SDK reports the CPU of its own read. */
export function sequentialReadWorkload(scope: string, file: string, bytes: number, raw?: Raw): Workload {
  return {
    name: 'seq-read',
    title: `sequential read of ${describeBytes(bytes)} (dd bs=1M), fresh mount, then the re-read`,
    scope,
    metrics: [COLD, REREAD, CPU, RSS],
    run: (target) => sequentialRead(target, file, bytes),
    raw,
  };
}

export function randomReadWorkload(
  scope: string,
  file: string,
  blockSize: number,
  region: number,
  overNetwork: boolean,
  raw?: Raw,
  jobs = 1,
): Workload {
  return {
    name: `random-${blockSize / 1024}k${jobs > 1 ? `-${jobs}jobs` : ''}`,
    title: `random ${blockSize / 1024} KiB reads, ${jobs > 1 ? `${jobs} jobs at once, each ` : ''}one pass over ${describeBytes(region)} (fio psync, --invalidate=0), fresh mount`,
    scope,
    metrics: overNetwork ? [IOPS, PULLED] : [IOPS],
    run: (target) => randomRead(target, file, blockSize, region, overNetwork, jobs),
    raw,
  };
}

/** The round trip: stat of one file with the kernel's and the daemon's caches off, so each call reaches the daemon. */
export function statUncachedWorkload(scope: string, file: string, count: number): Workload {
  return {
    name: 'stat-uncached',
    title: `${count} stat calls of one file with name and attribute caching off (the round trip to the daemon)`,
    scope,
    metrics: [{ key: 'statsPerS', label: 'stats/s', better: 'higher' }],
    uncached: true,
    run: (target) => statLoop(target, file, count),
  };
}

export function findStatWorkload(scope: string, dir: string, entries: number, raw?: Raw): Workload {
  return {
    name: 'find-stat',
    title: `find + stat over a tree of ${entries} entries, fresh mount`,
    scope,
    metrics: [{ key: 'entriesPerS', label: 'entries/s', better: 'higher' }],
    run: (target) => findStat(target, dir, entries),
    raw,
  };
}

export function listLongWorkload(scope: string, dir: string, entries: number, raw?: Raw): Workload {
  return {
    name: 'ls-l',
    title: `ls -l of one directory of ${entries} entries, fresh mount`,
    scope,
    metrics: [{ key: 'seconds', label: 'seconds', better: 'lower' }],
    run: (target) => listLong(target, dir, entries),
    raw,
  };
}

/** `verify`, when given, reports after the write whether the object was complete when close() returned. */
export function sequentialWriteWorkload(
  scope: string,
  file: string,
  bytes: number,
  cleanUp: (target: { root: string }) => Promise<void>,
  verify?: () => Promise<Measurement>,
  raw?: Raw,
): Workload {
  const metrics: Metric[] = [{ key: 'MBs', label: 'MB/s', better: 'higher' }];
  if (verify) metrics.push({ key: 'complete', label: 'complete at close (1 = yes)', better: 'higher' });
  return {
    name: 'seq-write',
    title: `sequential write of ${describeBytes(bytes)} (dd bs=1M conv=fsync, close included)`,
    scope,
    metrics,
    run: async (target) => {
      try {
        const measured = await sequentialWrite(target, file, bytes);
        return verify ? { ...measured, ...(await verify()) } : measured;
      } finally {
        await cleanUp(target);
      }
    },
    raw,
  };
}

export function createFilesWorkload(
  scope: string,
  dir: string,
  count: number,
  cleanUp: (target: { root: string }) => Promise<void>,
  raw?: Raw,
): Workload {
  return {
    name: 'create-small',
    title: `create ${count} files of 4 KiB, one after another`,
    scope,
    metrics: [{ key: 'filesPerS', label: 'files/s', better: 'higher' }],
    run: async (target) => {
      try {
        return await createFiles(target, dir, count, 4096);
      } finally {
        await cleanUp(target);
      }
    },
    raw,
  };
}

export const removeUnder = (path: string) => (target: { root: string }) => remove(target.root, path);
