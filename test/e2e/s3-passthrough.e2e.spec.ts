import type { S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import type { FaultProxy } from './support/fault-proxy';
import { S3Fixture } from './support/s3-fixture';
import { MountProcess, startCliMount, stopMount } from './support/mount-process';
import { readObject, S3_CREDENTIALS } from './support/s3-server';
import { shOk } from './support/shell';
import { TRANSPORT } from './support/transport';

const BUCKET = 'passthrough-bucket';
const HANDLER_WRITE = /S3Filesystem\.write\(/;

/**
 * An existing object opened for writing (not truncated) is staged whole at open; on the kernel transport the kernel
 * then reads, writes and maps the staging file itself, and the backend uploads what changed at close. On fuse-native
 * the same changes go through the write handler. Either way the bucket must end up with exactly the bytes written.
 */
describe(`S3 files changed in place (${TRANSPORT === 'kernel' ? 'passthrough' : 'through the handlers'})`, () => {
  let s3: S3Fixture;
  let client: S3Client;
  let work: string;
  let mnt: string;
  let mount: MountProcess | undefined;
  let proxy: FaultProxy;

  const put = (key: string, body: Buffer): Promise<unknown> => s3.put(key, body);
  const logSince = (from: number): string => mount?.output().slice(from) ?? '';

  beforeAll(async () => {
    s3 = await S3Fixture.start(BUCKET, 's3-passthrough');
    ({ client, proxy, work, mnt } = s3);
    const flags = ['--endpoint', proxy.endpoint, '--path-style', '--staging-dir', join(work, 'staging'), '--debug'];
    mount = await startCliMount(mnt, 's3', BUCKET, [...flags, '--transport', TRANSPORT], S3_CREDENTIALS);
  });

  afterAll(async () => {
    await stopMount(mount, mnt);
    await s3?.stop();
  });

  it('writes at any offset and past the end byte for byte, with the right size at once, and uploads at close', async () => {
    const original = randomBytes(3 * 1024 * 1024 + 17);
    await put('edit.bin', original);
    const patch = randomBytes(100_000);
    const tail = randomBytes(5_000);
    await fs.writeFile(join(work, 'patch'), patch);
    await fs.writeFile(join(work, 'tail'), tail);
    const script = [
      'import os, sys',
      `path, patch, tail = sys.argv[1], open('${join(work, 'patch')}', 'rb').read(), open('${join(work, 'tail')}', 'rb').read()`,
      "with open(path, 'r+b') as f:",
      '    f.seek(1_000_000); f.write(patch); f.flush()',
      '    with open(path, "rb") as reader:',
      '        reader.seek(1_000_000); assert reader.read(len(patch)) == patch, "a second open does not see the write"',
      `    f.seek(${original.length + 1000}); f.write(tail); f.flush()`,
      '    print(os.stat(path).st_size, os.fstat(f.fileno()).st_size)',
    ].join('\n');
    await fs.writeFile(join(work, 'edit.py'), script);
    const from = mount?.output().length ?? 0;
    const size = original.length + 1000 + tail.length;
    expect(await shOk(`python3 ${work}/edit.py ${mnt}/edit.bin`)).toBe(`${size} ${size}\n`);

    const expected = Buffer.alloc(size);
    original.copy(expected);
    patch.copy(expected, 1_000_000);
    tail.copy(expected, original.length + 1000);
    expect((await readObject(client, BUCKET, 'edit.bin')).equals(expected)).toBe(true);
    await fs.writeFile(join(work, 'expected'), expected);
    await shOk(`cmp ${work}/expected ${mnt}/edit.bin && test "$(stat -c %s ${mnt}/edit.bin)" = ${size}`);
    const log = logSince(from);
    expect(log).toMatch(/S3Filesystem\.open\(/);
    if (TRANSPORT === 'kernel') expect(log).not.toMatch(HANDLER_WRITE);
    else expect(log).toMatch(HANDLER_WRITE);
  });

  it('uploads stores through a shared mapping, also those made after an earlier close uploaded', async () => {
    await put('mapped.bin', Buffer.alloc(64 * 1024, 0x61));
    const script = [
      'import mmap, sys',
      "f = open(sys.argv[1], 'r+b')",
      'm = mmap.mmap(f.fileno(), 0)',
      'm[4096:4101] = b"hello"',
      // The close uploads "hello"; the mapping lives on, and its next store must count as a change too.
      'f.close()',
      'm[8192:8197] = b"again"',
      'm.close()',
    ].join('\n');
    await fs.writeFile(join(work, 'map.py'), script);
    await shOk(`python3 ${work}/map.py ${mnt}/mapped.bin`);
    const stored = await readObject(client, BUCKET, 'mapped.bin');
    expect(stored.length).toBe(64 * 1024);
    expect([stored.subarray(4094, 4103).toString(), stored.subarray(8190, 8199).toString()]).toEqual(['aahelloaa', 'aaagainaa']);
  });

  it('shows a passthrough write to every later open, also where the kernel keeps pages (--page-cache keep)', async () => {
    await put('cached.txt', Buffer.from('hello world'));
    expect(await shOk(`cat ${mnt}/cached.txt`)).toBe('hello world');
    await shOk(`printf HELLO | dd of=${mnt}/cached.txt conv=notrunc status=none && cat ${mnt}/cached.txt`);
    expect(await shOk(`cat ${mnt}/cached.txt`)).toBe('HELLO world');
    expect((await readObject(client, BUCKET, 'cached.txt')).toString()).toBe('HELLO world');
    const kept = join(work, 'kept');
    await fs.mkdir(kept);
    const keeping = await startCliMount(
      kept,
      's3',
      BUCKET,
      ['--endpoint', proxy.endpoint, '--path-style', '--page-cache', 'keep', '--transport', TRANSPORT],
      S3_CREDENTIALS,
    );
    try {
      expect(await shOk(`cat ${kept}/cached.txt`)).toBe('HELLO world');
      await shOk(`printf J | dd of=${kept}/cached.txt conv=notrunc status=none`);
      expect(await shOk(`cat ${kept}/cached.txt`)).toBe('JELLO world');
    } finally {
      await stopMount(keeping, kept);
    }
  });

  it('uploads nothing for a file opened for writing and closed unchanged', async () => {
    await put('kept.bin', Buffer.from('kept as it was'));
    await shOk(`cat ${mnt}/kept.bin > /dev/null`);
    const puts = proxy.requestsByKind.PUT ?? 0;
    await shOk(`python3 -c "open('${mnt}/kept.bin', 'r+b').close()" && python3 -c "open('${mnt}/kept.bin', 'ab').close()"`);
    expect(proxy.requestsByKind.PUT ?? 0).toBe(puts);
    expect((await readObject(client, BUCKET, 'kept.bin')).toString()).toBe('kept as it was');
  });
});
