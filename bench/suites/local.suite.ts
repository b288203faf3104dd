import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI } from '../../test/e2e/support/mount-process';
import { Cleanup } from '../support/cleanup';
import { quote, timed } from '../support/commands';
import { Contender, StartOptions } from '../support/model';
import { directTarget, startDaemon } from '../support/mounted';
import { Sizes } from '../support/sizes';
import { Suite } from '../support/suite';
import {
  createFilesWorkload,
  findStatWorkload,
  listLongWorkload,
  randomReadWorkload,
  removeUnder,
  sequentialReadWorkload,
  sequentialWriteWorkload,
  statUncachedWorkload,
} from './workloads';

const CREATE = join(__dirname, '..', 'fixtures', 'create-files.js');

/**
 * A directory served five ways: directly (the ceiling), by bindfs (C, libfuse 2), and by the nestjs-fuse local
 * backend on the kernel transport with passthrough (ours), on the kernel transport without it, and on fuse-native —
 * so each change shows against bindfs and against the other transport in one run.
 */
export async function localSuite(work: string, sizes: Sizes, cleanup: Cleanup): Promise<Suite> {
  const data = join(work, 'local-data');
  await createLocalData(data, sizes);
  const mountpoint = join(work, 'local-mnt');
  const ours = (name: string, flags: string[]) => (_scope: string, options: StartOptions) =>
    startDaemon(
      cleanup,
      name,
      [CLI, 'mount', mountpoint, 'local', data, ...flags, ...(options.uncached ? ['--entry-ttl', '0', '--attr-ttl', '0'] : [])],
      mountpoint,
    );
  const contenders: Contender[] = [
    { name: 'direct', role: 'ceiling', start: async () => directTarget(data) },
    {
      name: 'bindfs',
      role: 'peer',
      start: (_scope, options) =>
        startDaemon(
          cleanup,
          'bindfs',
          ['bindfs', '-f', '-o', `big_writes${options.uncached ? ',attr_timeout=0,entry_timeout=0' : ''}`, data, mountpoint],
          mountpoint,
        ),
    },
    { name: 'nestjs-fuse', role: 'ours', start: ours('nestjs-fuse', ['--transport', 'kernel']) },
    { name: 'no-passthrough', role: 'peer', start: ours('no-passthrough', ['--transport', 'kernel', '--no-passthrough']) },
    // fuse-native cannot turn the kernel's caches off (a 0 TTL reaches libfuse as "the default").
    { name: 'fuse-native', role: 'peer', start: ours('fuse-native', ['--transport', 'fuse-native']), skips: ['stat-uncached'] },
  ];
  const treeEntries = sizes.treeDirs * (sizes.treeFilesPerDir + 1);
  const both = (workload: string, metric: string, passthrough: number, without: number, text: string) => [
    { workload, metric, versus: 'bindfs', atLeast: passthrough, text: `${text}, passthrough ≥ ${passthrough}× bindfs` },
    { workload, metric, versus: 'bindfs', subject: 'no-passthrough', atLeast: without, text: `${text}, without passthrough ≥ ${without}× bindfs` },
  ];
  return {
    name: 'local',
    contenders,
    workloads: [
      sequentialReadWorkload('', 'big.bin', sizes.seqReadBytes),
      randomReadWorkload('', 'big.bin', 4096, sizes.random4kRegion.local, false),
      randomReadWorkload('', 'big.bin', 4096, sizes.random4kRegion.local, false, undefined, 8),
      randomReadWorkload('', 'big.bin', 65536, sizes.random64kRegion.local, false),
      findStatWorkload('', 'tree', treeEntries),
      listLongWorkload('', 'flat', sizes.flatEntries),
      sequentialWriteWorkload('', 'written.bin', sizes.writeBytes.local, removeUnder('written.bin')),
      createFilesWorkload('', 'small-files', sizes.smallFiles, removeUnder('small-files')),
      statUncachedWorkload('', 'big.bin', sizes.statCalls),
    ],
    goals: [
      ...both('seq-read', 'coldMBs', 2.0, 1.2, 'sequential read, fresh mount'),
      ...both('random-4k', 'iops', 10, 1.0, 'random 4 KiB, one job'),
      ...both('random-4k-8jobs', 'iops', 10, 1.5, 'random 4 KiB, 8 jobs'),
      ...both('seq-write', 'MBs', 1.0, 1.0, 'sequential write + fsync'),
      ...both('find-stat', 'entriesPerS', 2.0, 2.0, 'find + stat'),
      { workload: 'ls-l', metric: 'seconds', versus: 'bindfs', atMost: 0.5, text: 'ls -l, passthrough (time ≤ 0.5× bindfs: ≥ 2× as fast)' },
      {
        workload: 'ls-l',
        metric: 'seconds',
        versus: 'bindfs',
        subject: 'no-passthrough',
        atMost: 0.5,
        text: 'ls -l, without passthrough (time ≤ 0.5× bindfs)',
      },
      ...both('create-small', 'filesPerS', 1.0, 1.0, 'create 1,000 small files'),
      ...both('stat-uncached', 'statsPerS', 1.0, 1.0, 'stat round trip, caches off'),
    ],
    tearDown: async () => undefined,
  };
}

async function createLocalData(data: string, sizes: Sizes): Promise<void> {
  await mkdir(data, { recursive: true });
  // Random bytes, read once more so the backing file is in the page cache ("warm backing file") for every contender.
  await timed(`head -c ${sizes.seqReadBytes} /dev/urandom > ${quote(join(data, 'big.bin'))} && cat ${quote(join(data, 'big.bin'))} > /dev/null`);
  for (let d = 0; d < sizes.treeDirs; d++) {
    await timed(`node ${quote(CREATE)} ${quote(join(data, 'tree', `d${String(d).padStart(3, '0')}`))} ${sizes.treeFilesPerDir} 100`);
  }
  await timed(`node ${quote(CREATE)} ${quote(join(data, 'flat'))} ${sizes.flatEntries} 100`);
}
