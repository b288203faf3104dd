import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import { MountProcess, startCliMount, stopMount } from './support/mount-process';
import { S3Fixture } from './support/s3-fixture';
import { S3_CREDENTIALS, S3Server } from './support/s3-server';
import { shOk } from './support/shell';

// NESTJS_FUSE_LOAD_SECONDS sets the duration (the soak run uses 60).
const SECONDS = Number(process.env.NESTJS_FUSE_LOAD_SECONDS ?? 8);
const FILES = 100;
const FILE_SIZE = 2 * 1024 * 1024;
const CACHE_MIB = 64;

/**
 * 32 concurrent readers across 100 objects (200 MiB) through one S3 mount with a 64 MiB cache: 28 read random ranges,
 * 4 read whole files front to back, so read-ahead keeps the cache full while the random reads churn it.
 */
describe('load: 32 readers on an S3 mount', () => {
  let s3: S3Fixture;
  let server: S3Server;
  let work: string;
  let mount: MountProcess | undefined;

  beforeAll(async () => {
    s3 = await S3Fixture.start('load-bucket', 'load');
    ({ server, work } = s3);
    await fs.mkdir(join(work, 'copy'));
    for (let i = 0; i < FILES; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, j) => {
          const body = randomBytes(FILE_SIZE);
          await fs.writeFile(join(work, 'copy', `f${i + j}`), body);
          await s3.put(`f${i + j}`, body);
        }),
      );
    }
    mount = await startCliMount(
      join(work, 'mnt'),
      's3',
      'load-bucket',
      ['--endpoint', server.endpoint, '--path-style', '--cache-size', `${CACHE_MIB}M`, '--prefetch-total', '32M'],
      S3_CREDENTIALS,
    );
  });

  afterAll(async () => {
    await stopMount(mount, join(work, 'mnt'));
    await s3?.stop();
  });

  it(`reads byte-exact for ${SECONDS} s with zero errors, within the cache cap + 150 MiB, and leaks nothing`, async () => {
    const pid = mount?.child.pid;
    const fdsBefore = (await fs.readdir(`/proc/${pid}/fd`)).length;
    const script = [
      'import os, random, sys, threading, time',
      `files, size, deadline = ${FILES}, ${FILE_SIZE}, time.time() + ${SECONDS}`,
      'errors, reads = [], [0]',
      'def reader(seed):',
      '    rnd = random.Random(seed)',
      '    while time.time() < deadline:',
      '        n = rnd.randrange(files); off = rnd.randrange(size); length = rnd.choice([4096, 65536, 262144])',
      '        try:',
      `            with open(f'${work}/mnt/f{n}', 'rb', buffering=0) as m, open(f'${work}/copy/f{n}', 'rb') as c:`,
      '                m.seek(off); c.seek(off)',
      '                if m.read(length) != c.read(length): errors.append(f"mismatch f{n}@{off}")',
      '            reads[0] += 1',
      '        except OSError as e:',
      '            errors.append(f"f{n}@{off}: {e}")',
      'def streamer(seed):',
      '    rnd = random.Random(seed)',
      '    while time.time() < deadline:',
      '        n = rnd.randrange(files)',
      '        try:',
      `            with open(f'${work}/mnt/f{n}', 'rb') as m, open(f'${work}/copy/f{n}', 'rb') as c:`,
      '                while True:',
      '                    a, b = m.read(1 << 20), c.read(1 << 20)',
      '                    if a != b: errors.append(f"mismatch streaming f{n}"); break',
      '                    if not a: break',
      '                    reads[0] += 1',
      '        except OSError as e:',
      '            errors.append(f"streaming f{n}: {e}")',
      'threads = [threading.Thread(target=streamer if i < 4 else reader, args=(i,)) for i in range(32)]',
      '[t.start() for t in threads]; [t.join() for t in threads]',
      "print(f'reads {reads[0]} errors {len(errors)}', errors[:5])",
    ].join('\n');
    await fs.writeFile(join(work, 'load.py'), script);
    const result = await shOk(`python3 ${work}/load.py`, (SECONDS + 120) * 1000);
    expect(result).toMatch(/errors 0 \[\]/);
    expect(Number(/reads (\d+)/.exec(result)?.[1])).toBeGreaterThan(32);
    const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
    const peakMiB = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
    expect(peakMiB).toBeLessThan(CACHE_MIB + 150);
    // Every file was closed: the daemon holds no more descriptors than before (sockets to S3 are kept alive, capped).
    await new Promise((resolve) => setTimeout(resolve, 500));
    const fdsAfter = (await fs.readdir(`/proc/${pid}/fd`)).length;
    expect(fdsAfter).toBeLessThanOrEqual(fdsBefore + 130);
    process.stdout.write(`load: ${result.trim()}, peak RSS ${peakMiB.toFixed(0)} MiB, fds ${fdsBefore} → ${fdsAfter}\n`);
  }, 300_000);
});
