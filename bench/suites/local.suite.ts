import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI } from '../../test/e2e/support/mount-process';
import { Cleanup } from '../support/cleanup';
import { quote, timed } from '../support/commands';
import { Contender } from '../support/model';
import { directTarget, startDaemon } from '../support/mounted';
import { Sizes } from '../support/sizes';
import { Suite } from '../support/suite';
import {
  createFilesWorkload, findStatWorkload, listLongWorkload, randomReadWorkload, removeUnder, sequentialReadWorkload, sequentialWriteWorkload,
} from './workloads';

const BARE = join(__dirname, '..', 'fixtures', 'bare-passthrough.js');
const CREATE = join(__dirname, '..', 'fixtures', 'create-files.js');

/**
 * A directory served four ways: directly (the ceiling), by bindfs (C, libfuse), by fuse-native with nothing of ours
 * in between (the ceiling of a Node filesystem), and by the nestjs-fuse local backend.
 */
export async function localSuite(work: string, sizes: Sizes, cleanup: Cleanup): Promise<Suite> {
  const data = join(work, 'local-data');
  await createLocalData(data, sizes);
  const mountpoint = join(work, 'local-mnt');
  const contenders: Contender[] = [
    { name: 'direct', role: 'ceiling', start: async () => directTarget(data) },
    { name: 'bindfs', role: 'peer', start: () => startDaemon(cleanup, 'bindfs', ['bindfs', '-f', '-o', 'big_writes', data, mountpoint], mountpoint) },
    {
      name: 'bare fuse-native',
      role: 'peer',
      start: () => startDaemon(cleanup, 'bare fuse-native', [process.execPath, BARE, data, mountpoint], mountpoint),
    },
    { name: 'nestjs-fuse', role: 'ours', start: () => startDaemon(cleanup, 'nestjs-fuse', [CLI, 'mount', mountpoint, 'local', data], mountpoint) },
  ];
  const treeEntries = sizes.treeDirs * (sizes.treeFilesPerDir + 1);
  return {
    name: 'local',
    contenders,
    workloads: [
      sequentialReadWorkload('', 'big.bin', sizes.seqReadBytes),
      randomReadWorkload('', 'big.bin', 4096, sizes.random4kRegion.local, false),
      randomReadWorkload('', 'big.bin', 65536, sizes.random64kRegion.local, false),
      findStatWorkload('', 'tree', treeEntries),
      listLongWorkload('', 'flat', sizes.flatEntries),
      sequentialWriteWorkload('', 'written.bin', sizes.writeBytes.local, removeUnder('written.bin')),
      createFilesWorkload('', 'small-files', sizes.smallFiles, removeUnder('small-files')),
    ],
    goals: [
      { workload: 'seq-read', metric: 'coldMBs', versus: 'bare fuse-native', atLeast: 0.9, text: 'seq read ≥ 0.9× bare fuse-native' },
      { workload: 'seq-read', metric: 'coldMBs', versus: 'bindfs', atLeast: 1.0, text: 'seq read ≥ 1.0× bindfs (where the binding allows)' },
      { workload: 'find-stat', metric: 'entriesPerS', versus: 'bare fuse-native', atLeast: 0.9, text: 'find + stat ≥ 0.9× bare fuse-native' },
      { workload: 'find-stat', metric: 'entriesPerS', versus: 'bindfs', atLeast: 1.0, text: 'find + stat ≥ 1.0× bindfs (where the binding allows)' },
      { workload: 'random-4k', metric: 'iops', versus: 'bare fuse-native', atLeast: 0.9, text: 'random 4 KiB ≥ 0.9× bare fuse-native' },
      { workload: 'random-4k', metric: 'iops', versus: 'bindfs', atLeast: 1.0, text: 'random 4 KiB ≥ 1.0× bindfs (where the binding allows)' },
      { workload: 'seq-read', metric: 'rereadMBs', versus: 'bindfs', atLeast: 3, text: 're-read of a cached file ≥ 3× bindfs' },
      { workload: 'seq-write', metric: 'MBs', versus: 'bindfs', atLeast: 1.0, text: 'seq write ≥ 1.0× bindfs with big_writes' },
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
