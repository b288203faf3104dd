import { execFile } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI } from '../../test/e2e/support/mount-process';
import { S3_CREDENTIALS, S3Server } from '../../test/e2e/support/s3-server';
import { Cleanup } from '../support/cleanup';
import { quote, timed } from '../support/commands';
import { Contender, Measurement } from '../support/model';
import { startDaemon } from '../support/mounted';
import { loopbackBytes } from '../support/process-usage';
import { Sizes } from '../support/sizes';
import { Suite } from '../support/suite';
import {
  createFilesWorkload,
  findStatWorkload,
  listLongWorkload,
  randomReadWorkload,
  sequentialReadWorkload,
  sequentialWriteWorkload,
} from './workloads';

const RAW = join(__dirname, '..', 'fixtures', 'raw-s3.js');
const MB = 1e6;
const BUCKETS = { big: 'bench-big', tree: 'bench-tree', flat: 'bench-flat', write: 'bench-write' };

/**
 * One s3rver on loopback for all: the SDK used directly (the ceiling), s3fs, rclone mount without its cache, and the
 * nestjs-fuse S3 backend — each started afresh on the bucket a workload uses.
 */
export async function s3Suite(work: string, sizes: Sizes, cleanup: Cleanup): Promise<Suite> {
  const server = await S3Server.start();
  cleanup.directory(server.directory);
  const raw = (command: string, ...args: Array<string | number>): Promise<Record<string, number>> => runRaw(cleanup, server.endpoint, command, args);
  await createS3Data(server, work, sizes, raw);

  const mountpoint = join(work, 's3-mnt');
  const passwd = join(work, 's3fs.passwd');
  await writeFile(passwd, 'S3RVER:S3RVER\n');
  await chmod(passwd, 0o600);
  const rcloneConfig = join(work, 'rclone.conf');
  await writeFile(
    rcloneConfig,
    `[bench]\ntype = s3\nprovider = Other\nenv_auth = false\naccess_key_id = S3RVER\nsecret_access_key = S3RVER\nendpoint = ${server.endpoint}\nforce_path_style = true\n`,
  );
  // rclone refuses to start while AWS_CA_BUNDLE is set (it is, on these machines); plain HTTP needs no CA anyway.
  const peerEnv = { ...process.env, AWS_CA_BUNDLE: undefined };
  const ours = (flags: string[]) => (bucket: string) =>
    startDaemon(
      cleanup,
      'nestjs-fuse',
      [CLI, 'mount', mountpoint, 's3', bucket, '--endpoint', server.endpoint, '--path-style', ...flags],
      mountpoint,
      {
        ...process.env,
        ...S3_CREDENTIALS,
      },
    );
  const contenders: Contender[] = [
    { name: 'raw SDK', role: 'ceiling' },
    {
      name: 's3fs',
      role: 'peer',
      start: (bucket) =>
        startDaemon(
          cleanup,
          's3fs',
          ['s3fs', bucket, mountpoint, '-f', '-o', `url=${server.endpoint},use_path_request_style,passwd_file=${passwd}`],
          mountpoint,
          peerEnv,
        ),
    },
    {
      name: 'rclone',
      role: 'peer',
      start: (bucket) =>
        startDaemon(
          cleanup,
          'rclone',
          ['rclone', '--config', rcloneConfig, 'mount', `bench:${bucket}`, mountpoint, '--vfs-cache-mode', 'off'],
          mountpoint,
          peerEnv,
        ),
    },
    // Stored permissions only (what --allow-other turns on): no listed name is answered without its metadata.
    { name: 'nestjs-fuse --allow-other', role: 'peer', workloads: ['ls-l', 'find-stat'], start: ours(['--allow-other']) },
    // s3fs-compatible symlinks: a listing tells small objects from symlinks by a HEAD each.
    { name: 'nestjs-fuse --symlinks', role: 'peer', workloads: ['ls-l', 'find-stat'], start: ours(['--symlinks']) },
    // The transport the S3 backend had before the kernel transport: the kernel transport's gain shows against it.
    { name: 'fuse-native', role: 'peer', start: ours(['--transport', 'fuse-native']) },
    { name: 'nestjs-fuse', role: 'ours', start: ours(['--transport', 'kernel']) },
  ];

  const treeEntries = sizes.treeDirs * (sizes.treeFilesPerDir + 1);
  const purgeWrites = async (): Promise<void> => void (await raw('purge', BUCKETS.write, ''));
  const rawRandom = (blockSize: number, region: number) => async (): Promise<Measurement> => {
    const before = await loopbackBytes();
    const result = await raw('random', BUCKETS.big, 'big.bin', blockSize, region);
    return { iops: result.reads / result.seconds, pulledPerRead: ((await loopbackBytes()) - before) / region };
  };
  return {
    name: 's3',
    contenders,
    workloads: [
      sequentialReadWorkload(BUCKETS.big, 'big.bin', sizes.seqReadBytes, async () => {
        const [cold, again] = [await raw('read', BUCKETS.big, 'big.bin'), await raw('read', BUCKETS.big, 'big.bin')];
        // The CPU of the cold read, for comparison with the daemons' (their figure is for the cold read too).
        return { coldMBs: cold.bytes / MB / cold.seconds, rereadMBs: again.bytes / MB / again.seconds, cpuS: cold.cpuSeconds };
      }),
      randomReadWorkload(BUCKETS.big, 'big.bin', 4096, sizes.random4kRegion.s3, true, rawRandom(4096, sizes.random4kRegion.s3)),
      randomReadWorkload(BUCKETS.big, 'big.bin', 65536, sizes.random64kRegion.s3, true, rawRandom(65536, sizes.random64kRegion.s3)),
      findStatWorkload(BUCKETS.tree, '', treeEntries, async () => {
        const listed = await raw('list', BUCKETS.tree, '', '');
        return { entriesPerS: listed.count / listed.seconds };
      }),
      listLongWorkload(BUCKETS.flat, '', sizes.flatEntries, async () => ({ seconds: (await raw('list', BUCKETS.flat, '', '/')).seconds })),
      sequentialWriteWorkload(
        BUCKETS.write,
        'written.bin',
        sizes.writeBytes.s3,
        purgeWrites,
        () => raw('complete', BUCKETS.write, 'written.bin', sizes.writeBytes.s3),
        async () => {
          const written = await raw('write', BUCKETS.write, 'written.bin', sizes.writeBytes.s3);
          await purgeWrites();
          return { MBs: sizes.writeBytes.s3 / MB / written.seconds, complete: 1 };
        },
      ),
      createFilesWorkload(BUCKETS.write, 'small-files', sizes.smallFiles, purgeWrites, async () => {
        const created = await raw('create', BUCKETS.write, 'small-files/', sizes.smallFiles, 4096);
        await purgeWrites();
        return { filesPerS: sizes.smallFiles / created.seconds };
      }),
    ],
    goals: [
      { workload: 'seq-read', metric: 'coldMBs', versus: 'raw SDK', atLeast: 0.9, text: 'seq read ≥ 0.9× raw SDK ranged GETs' },
      { workload: 'seq-read', metric: 'coldMBs', versus: 's3fs', atLeast: 1.2, text: 'seq read ≥ 1.2× s3fs' },
      { workload: 'seq-read', metric: 'coldMBs', versus: 'rclone', atLeast: 1.3, text: 'seq read ≥ 1.3× rclone' },
      { workload: 'random-4k', metric: 'iops', versus: 'raw SDK', atLeast: 0.9, text: 'random 4 KiB ≥ 0.9× raw one-at-a-time ranged GETs' },
      { workload: 'random-4k', metric: 'pulledPerRead', atMost: 8, text: 'random 4 KiB: bytes pulled ≤ 8× bytes read' },
      { workload: 'ls-l', metric: 'seconds', versus: 'raw SDK', atMost: 1.5, text: 'ls -l time ≤ 1.5× the raw paginated listing' },
      { workload: 'ls-l', metric: 'seconds', versus: 's3fs', atMost: 1 / 3, text: 'ls -l ≥ 3× faster than s3fs' },
      { workload: 'seq-write', metric: 'MBs', versus: 'raw SDK', atLeast: 0.9, text: 'seq write ≥ 0.9× raw multipart upload' },
      { workload: 'seq-write', metric: 'MBs', versus: 's3fs', atLeast: 1.0, text: 'seq write ≥ 1.0× s3fs' },
      { workload: 'seq-write', metric: 'complete', atLeast: 1, text: 'object complete when close() returns' },
      { workload: 'seq-read', metric: 'cpuS', versus: 's3fs', atMost: 1.0, text: 'daemon CPU per GiB read ≤ s3fs' },
      { workload: 'seq-read', metric: 'cpuS', versus: 'fuse-native', atMost: 0.7, text: 'daemon CPU per GiB read ≤ 0.7× on fuse-native' },
      { workload: 'seq-read', metric: 'coldMBs', versus: 'fuse-native', atLeast: 1.0, text: 'seq read ≥ 1.0× on fuse-native' },
      { workload: 'ls-l', metric: 'seconds', versus: 'raw SDK', atMost: 1.1, text: 'ls -l time ≤ 1.1× the raw paginated listing' },
      // The default block cache is 256 MiB.
      { workload: 'seq-read', metric: 'rssMiB', atMost: 256 + 150, text: 'peak RSS streaming ≤ cache cap (256 MiB) + 150 MiB' },
    ],
    tearDown: () => server.destroy(),
  };
}

async function createS3Data(
  server: S3Server,
  work: string,
  sizes: Sizes,
  raw: (command: string, ...args: Array<string | number>) => Promise<unknown>,
): Promise<void> {
  for (const bucket of Object.values(BUCKETS)) await server.createBucket(bucket);
  const source = join(work, 's3-source.bin');
  await mkdir(work, { recursive: true });
  await timed(`head -c ${sizes.seqReadBytes} /dev/urandom > ${quote(source)}`);
  await raw('upload', BUCKETS.big, 'big.bin', source);
  await timed(`rm -f ${quote(source)}`);
  // Directory markers as s3fs and the console make them, then the files.
  for (let d = 0; d < sizes.treeDirs; d++) await raw('fill', BUCKETS.tree, `d${String(d).padStart(3, '0')}/`, 1, 0);
  await raw('fill', BUCKETS.tree, 'd{d}/small-{i}.txt', sizes.treeDirs * sizes.treeFilesPerDir, 100, sizes.treeFilesPerDir);
  await raw('fill', BUCKETS.flat, 'small-{i}.txt', sizes.flatEntries, 100);
}

function runRaw(cleanup: Cleanup, endpoint: string, command: string, args: Array<string | number>): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [RAW, endpoint, command, ...args.map(String)],
      { timeout: 30 * 60_000, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`raw S3 ${command} failed: ${error.message}\n${stderr}`));
        resolve(JSON.parse(stdout) as Record<string, number>);
      },
    );
    cleanup.child(child);
  });
}
