import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIG_FILE_SIZE, LATE_WRITE_AFTER_MS, LATE_WRITE_FOR_MS, patternBytes } from '../fixtures/memory.filesystem';
import { isMounted, MountProcess, startFixtureMount, stopMount, waitUntil } from './support/mount-process';
import { sh, shOk } from './support/shell';
import { itOnKernelTransport } from './support/transport';

/** The MemoryFilesystem fixture, whose `boom` read throws and whose `slow` read outlives its 500 ms deadline. */
describe('misbehaving handlers on a real mount', () => {
  let mnt: string;
  let mount: MountProcess | undefined;

  beforeAll(async () => {
    mnt = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-faulty-'));
    mount = await startFixtureMount('serve-memory.ts', [mnt], mnt);
  });

  afterAll(async () => {
    await stopMount(mount, mnt);
    await fs.rm(mnt, { recursive: true, force: true });
  });

  it('turns a handler exception into EIO, logs it, and keeps the mount usable', async () => {
    const boom = await sh(`cat ${mnt}/boom`);
    expect(boom.code).not.toBe(0);
    expect(boom.stderr).toMatch(/Input\/output error/);
    expect(mount?.output()).toMatch(/MemoryFilesystem\.read\(.*kaboom/s);
    expect(await shOk(`cat ${mnt}/hello.txt`)).toBe('hello world\n');
    expect(await shOk(`ls ${mnt}`)).toContain('boom');
  });

  it('answers ETIMEDOUT for a handler slower than its deadline, without holding up other requests', async () => {
    const started = Date.now();
    const [slow, fast] = await Promise.all([sh(`cat ${mnt}/slow`, 10_000), sh(`sleep 0.1; cat ${mnt}/dir/nested.txt`)]);
    const elapsed = Date.now() - started;
    expect(slow.stderr).toMatch(/Connection timed out/);
    expect(elapsed).toBeLessThan(2_500);
    expect(fast.stdout).toBe('nested\n');
    expect(mount?.output()).toMatch(/did not finish within its 500 ms deadline/);
  });

  itOnKernelTransport('answers EINTR at once when the caller of a slow read is interrupted, and the handler sees the abort', async () => {
    const script = join(mnt, '..', 'interrupted-read.py');
    await fs.writeFile(
      script,
      [
        'import os, signal, sys, time',
        'class Interrupted(Exception): pass',
        'def on_alarm(signum, frame): raise Interrupted()',
        'signal.signal(signal.SIGALRM, on_alarm)',
        // O_DIRECT: a read through the page cache is the kernel's own background request, which no signal interrupts.
        `fd = os.open(${JSON.stringify(join(mnt, 'slow'))}, os.O_RDONLY | os.O_DIRECT)`,
        'started = time.monotonic()',
        'signal.setitimer(signal.ITIMER_REAL, 0.15)',
        'try:',
        '    os.read(fd, 1)',
        "    print('read completed')",
        'except Interrupted:',
        "    print('interrupted after %.2f s' % (time.monotonic() - started))",
      ].join('\n'),
    );
    const from = mount?.output().length ?? 0;
    const out = await shOk(`python3 ${script}`, 10_000);
    const seconds = Number(/interrupted after ([\d.]+) s/.exec(out)?.[1]);
    // The read's deadline is 500 ms and the handler would take 3 s: the caller returned at the signal.
    expect(seconds).toBeLessThan(0.45);
    expect(await waitUntil(async () => (mount?.output().slice(from) ?? '').includes('the read of slow was aborted'))).toBe(true);
  });

  itOnKernelTransport('tells the @Forget() handler when the kernel drops an inode it looked up', async () => {
    const from = mount?.output().length ?? 0;
    await shOk(`stat ${mnt}/dir/nested.txt > /dev/null`);
    // Dropping the kernel's dentry and inode caches makes it forget every inode nothing holds.
    await shOk('sync && echo 2 > /proc/sys/vm/drop_caches');
    expect(await waitUntil(async () => (mount?.output().slice(from) ?? '').includes('the kernel forgot nested.txt'))).toBe(true);
    // And the file is there again for the next lookup.
    expect(await shOk(`cat ${mnt}/dir/nested.txt`)).toBe('nested\n');
  });

  it('keeps a read buffer alive for a handler still writing to it after its deadline answered the read', async () => {
    // The late handler overwrites its buffer for LATE_WRITE_FOR_MS after the deadline. Had that memory gone back to
    // libfuse, the reads of big.bin made meanwhile (each dropping the page cache first) would return its bytes.
    const expected = createHash('sha256').update(patternBytes(BIG_FILE_SIZE)).digest('hex');
    const seconds = Math.ceil((LATE_WRITE_AFTER_MS + LATE_WRITE_FOR_MS) / 1000) + 1;
    const rereads =
      `end=$((SECONDS+${seconds})); while [ $SECONDS -lt $end ]; do ` +
      `dd if=${mnt}/big.bin iflag=nocache count=0 status=none; sha256sum < ${mnt}/big.bin; done`;
    const [late, hashes] = await Promise.all([sh(`cat ${mnt}/late-writer`, 10_000), shOk(rereads, 20_000)]);
    expect(late.stderr).toMatch(/Connection timed out/);
    const lines = hashes.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(20);
    expect(new Set(lines.map((line) => line.split(' ')[0]))).toEqual(new Set([expected]));
    expect(await shOk(`cat ${mnt}/hello.txt`)).toBe('hello world\n');
  });

  it('answers the errno a handler chose', async () => {
    expect((await sh(`cat ${mnt}/denied`)).stderr).toMatch(/Permission denied/);
    expect((await sh(`cat ${mnt}/missing`)).stderr).toMatch(/No such file or directory/);
  });

  it('mounts a filesystem without write ops read-only', async () => {
    const mounts = await fs.readFile('/proc/mounts', 'utf8');
    const line = mounts.split('\n').find((entry) => entry.split(' ')[1] === mnt);
    expect(line?.split(' ')[3].split(',')).toContain('ro');
    expect((await sh(`touch ${mnt}/new`)).stderr).toMatch(/Read-only file system/);
  });

  it('reads through paged readdir results and an empty file', async () => {
    const names = (await shOk(`ls -a ${mnt}`)).split('\n').filter(Boolean);
    expect(names).toEqual(['.', '..', 'bad-result', 'big.bin', 'boom', 'denied', 'dir', 'empty', 'hello.txt', 'late-writer', 'slow']);
    expect(await shOk(`cat ${mnt}/empty | wc -c`)).toBe('0\n');
  });

  it('unmounts on SIGTERM through the module’s own signal handling', async () => {
    mount?.child.kill('SIGTERM');
    await mount?.exited;
    expect(await isMounted(mnt)).toBe(false);
  });
});

describe('the README example on a real mount', () => {
  it('serves hello.txt read-only', async () => {
    const mnt = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-hello-'));
    let mount: MountProcess | undefined;
    try {
      mount = await startFixtureMount('serve-hello.ts', [mnt], mnt);
      expect(await shOk(`cat ${mnt}/hello.txt`)).toBe('Hello from NestJS!\n');
      expect(await shOk(`ls ${mnt}`)).toBe('hello.txt\n');
      expect((await sh(`echo x > ${mnt}/hello.txt`)).stderr).toMatch(/Read-only file system/);
    } finally {
      await stopMount(mount, mnt);
      await fs.rm(mnt, { recursive: true, force: true });
    }
  });
});
