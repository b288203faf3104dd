import { join } from 'node:path';
import { ddBytes, quote, timed } from './commands';
import { Measurement } from './model';
import { Target } from './mounted';
import { cpuSeconds, loopbackBytes, peakRssMiB } from './process-usage';

const MB = 1e6;
const FIXTURES = join(__dirname, '..', 'fixtures');
const STAT_LOOP = join(FIXTURES, 'stat-loop.js');

/** Reads a file start to end with dd (1 MiB blocks): the cold read of a fresh mount, then the re-read. */
export async function sequentialRead(target: Target, file: string, bytes: number): Promise<Measurement> {
  const path = quote(join(target.root, file));
  const cpuBefore = target.pid ? await cpuSeconds(target.pid) : 0;
  const cold = await timed(`dd if=${path} of=/dev/null bs=1M`);
  if (ddBytes(cold.stderr) !== bytes) throw new Error(`cold read of ${path} returned ${ddBytes(cold.stderr)} bytes, not ${bytes}`);
  const usage: Measurement = target.pid ? { cpuS: (await cpuSeconds(target.pid)) - cpuBefore, rssMiB: await peakRssMiB(target.pid) } : {};
  const again = await timed(`dd if=${path} of=/dev/null bs=1M`);
  if (ddBytes(again.stderr) !== bytes) throw new Error(`re-read of ${path} returned ${ddBytes(again.stderr)} bytes, not ${bytes}`);
  return { coldMBs: bytes / MB / cold.seconds, rereadMBs: bytes / MB / again.seconds, ...usage };
}

/**
 * One pass of random reads over the first `region` bytes of a file (fio: every block once, in random order, page
 * cache of the backing file kept). With `countTraffic`, also how many bytes crossed loopback per byte read.
 */
/** `jobs` readers at once, each one pass over the region in its own random order (fio reports their sum). */
export async function randomRead(
  target: Target,
  file: string,
  blockSize: number,
  region: number,
  countTraffic: boolean,
  jobs = 1,
): Promise<Measurement> {
  const path = join(target.root, file);
  const before = countTraffic ? await loopbackBytes() : 0;
  const { stdout } = await timed(
    `fio --name=random --filename=${quote(path)} --readonly --rw=randread --bs=${blockSize} --size=${region} ` +
      `--ioengine=psync --invalidate=0 --numjobs=${jobs} --group_reporting --output-format=json`,
  );
  const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { jobs: Array<{ read: { iops: number; io_bytes: number } }> };
  const read = report.jobs[0].read;
  if (read.io_bytes !== region * jobs) throw new Error(`fio read ${read.io_bytes} bytes of ${path}, not ${region * jobs}`);
  const traffic: Measurement = countTraffic ? { pulledPerRead: ((await loopbackBytes()) - before) / region } : {};
  return { iops: read.iops, ...traffic };
}

/** `count` stat(2) calls of one file, one after another, from one process: the cost of a round trip when uncached. */
export async function statLoop(target: Target, file: string, count: number): Promise<Measurement> {
  const { stdout } = await timed(`node ${quote(STAT_LOOP)} ${quote(join(target.root, file))} ${count}`);
  return { statsPerS: count / Number(stdout.trim()) };
}

/** `find` with a stat of every entry (size and mtime printed) over a tree. */
export async function findStat(target: Target, dir: string, entries: number): Promise<Measurement> {
  const { seconds, stdout } = await timed(`find ${quote(join(target.root, dir))} -mindepth 1 -printf '%s %T@\\n' | wc -l`);
  if (Number(stdout.trim()) !== entries) throw new Error(`find saw ${stdout.trim()} entries, not ${entries}`);
  return { entriesPerS: entries / seconds };
}

/** `ls -l` of one large directory. */
export async function listLong(target: Target, dir: string, entries: number): Promise<Measurement> {
  const { seconds, stdout } = await timed(`ls -l ${quote(join(target.root, dir))} | wc -l`);
  // ls -l prints a "total" line first.
  if (Number(stdout.trim()) !== entries + 1) throw new Error(`ls -l listed ${Number(stdout.trim()) - 1} entries, not ${entries}`);
  return { seconds };
}

/** Writes a new file with dd and fsyncs it; the time includes close(), so an upload on close is counted. */
export async function sequentialWrite(target: Target, file: string, bytes: number): Promise<Measurement> {
  const path = quote(join(target.root, file));
  const run = await timed(`dd if=/dev/zero of=${path} bs=1M count=${bytes / (1 << 20)} conv=fsync`);
  if (ddBytes(run.stderr) !== bytes) throw new Error(`dd wrote ${ddBytes(run.stderr)} bytes to ${path}, not ${bytes}`);
  return { MBs: bytes / MB / run.seconds };
}

/** Creates `count` small files one after another (each opened, written, closed). */
export async function createFiles(target: Target, dir: string, count: number, size: number): Promise<Measurement> {
  const { stdout } = await timed(`node ${quote(join(FIXTURES, 'create-files.js'))} ${quote(join(target.root, dir))} ${count} ${size}`);
  const seconds = Number(stdout.trim());
  return { filesPerS: count / seconds };
}

export async function remove(root: string, path: string): Promise<void> {
  await timed(`rm -rf ${quote(join(root, path))}`);
}
