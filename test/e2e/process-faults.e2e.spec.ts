import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMounted, MountProcess, startCliMount, stopMount } from './support/mount-process';
import { S3Fixture } from './support/s3-fixture';
import { readObject, S3_CREDENTIALS, S3Server } from './support/s3-server';
import { sh, shOk } from './support/shell';
import { SteppedProcess } from './support/stepped-process';

const MiB = 1024 * 1024;

describe('daemon killed during heavy reads and writes (local backend)', () => {
  let work: string;
  let mount: MountProcess | undefined;

  beforeAll(async () => {
    work = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-kill-'));
    for (const dir of ['src', 'mnt']) await fs.mkdir(join(work, dir));
    await fs.writeFile(join(work, 'src', 'big.bin'), randomBytes(16 * MiB));
  });

  afterAll(async () => {
    await stopMount(mount, join(work, 'mnt'));
    await fs.rm(work, { recursive: true, force: true });
  });

  it('recovers the stale mountpoint 10 times out of 10, with every acknowledged write intact', async () => {
    const mnt = join(work, 'mnt');
    const start = async (): Promise<MountProcess> => (mount = await startCliMount(mnt, 'local', join(work, 'src')));
    await killTenTimes(mnt, start);
    for (let round = 0; round < 10; round++) expect(await shOk(`cat ${mnt}/ack-${round}.txt`)).toBe(`round ${round}\n`);
    await shOk(`cmp ${join(work, 'src', 'big.bin')} ${mnt}/big.bin`);
  }, 300_000);
});

describe('daemon killed during heavy reads and writes (S3 backend)', () => {
  let s3: S3Fixture;
  let server: S3Server;
  let work: string;
  let mount: MountProcess | undefined;
  const big = randomBytes(16 * MiB);

  beforeAll(async () => {
    s3 = await S3Fixture.start('kill-bucket', 'kill-s3');
    ({ server, work } = s3);
    await fs.writeFile(join(work, 'big.bin'), big);
    await s3.put('big.bin', big);
  });

  afterAll(async () => {
    await stopMount(mount, join(work, 'mnt'));
    await s3?.stop();
  });

  it('recovers the stale mountpoint 10 times out of 10; closed files are in the bucket, killed uploads are not', async () => {
    const mnt = join(work, 'mnt');
    const flags = ['--endpoint', server.endpoint, '--path-style'];
    const start = async (): Promise<MountProcess> => (mount = await startCliMount(mnt, 's3', 'kill-bucket', flags, S3_CREDENTIALS));
    await killTenTimes(mnt, start);
    const client = server.client();
    try {
      const listing = await client.send(new ListObjectsV2Command({ Bucket: 'kill-bucket' }));
      const objects = new Map((listing.Contents ?? []).map((object) => [object.Key, object.Size]));
      expect(objects.get('big.bin')).toBe(big.length);
      for (let round = 0; round < 10; round++) {
        expect(objects.get(`ack-${round}.txt`)).toBe(`round ${round}\n`.length);
        // The killed writer's file exists as created (empty, as on a local disk after a crash): none of the bytes of
        // its cut-short upload became visible.
        expect(objects.get(`busy-${round}.bin`) ?? 0).toBe(0);
      }
    } finally {
      client.destroy();
    }
    for (let round = 0; round < 10; round++) expect(await shOk(`cat ${mnt}/ack-${round}.txt`)).toBe(`round ${round}\n`);
    await shOk(`cmp ${join(work, 'big.bin')} ${mnt}/big.bin`);
  }, 300_000);
});

/**
 * Ten times: mount, write and close a small file (acknowledged), start readers of big.bin and a writer that never
 * finishes, SIGKILL the daemon mid-traffic, and check it left a stale mount. Then mounts once more (recovering the last
 * stale mount) for the caller to check what survived.
 */
async function killTenTimes(mnt: string, start: () => Promise<MountProcess>): Promise<void> {
  for (let round = 0; round < 10; round++) {
    const mount = await start();
    await shOk(`printf 'round ${round}\\n' > ${mnt}/ack-${round}.txt`);
    const busy = sh(
      `(while true; do cat ${mnt}/big.bin > /dev/null; done) & (dd if=/dev/zero of=${mnt}/busy-${round}.bin bs=1M count=4096 status=none) & sleep 0.3; kill -9 %1 %2 2>/dev/null; wait`,
      30_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    mount.child.kill('SIGKILL');
    await mount.exited;
    await busy;
    expect(await isMounted(mnt)).toBe(true);
  }
  await start();
}

describe('SIGTERM during an S3 upload', () => {
  let s3: S3Fixture;
  let server: S3Server;
  let client: S3Client;
  let work: string;
  let mnt: string;

  beforeAll(async () => {
    s3 = await S3Fixture.start('term-bucket', 'term');
    ({ server, client, work, mnt } = s3);
  });

  afterAll(async () => {
    await stopMount(undefined, mnt);
    await s3?.stop();
  });

  const objectState = async (key: string, expected: Buffer): Promise<'complete' | 'absent' | 'partial'> => {
    try {
      await client.send(new HeadObjectCommand({ Bucket: 'term-bucket', Key: key }));
    } catch {
      return 'absent';
    }
    return (await readObject(client, 'term-bucket', key)).equals(expected) ? 'complete' : 'partial';
  };

  it('lets a close that is uploading finish (or fail visibly) before the daemon exits', async () => {
    const data = randomBytes(48 * MiB);
    await fs.writeFile(join(work, 'data.bin'), data);
    const mount = await startCliMount(mnt, 's3', 'term-bucket', ['--endpoint', server.endpoint, '--path-style'], S3_CREDENTIALS);
    const script = [
      'import os, sys',
      `src = open('${work}/data.bin', 'rb').read()`,
      `fd = os.open('${mnt}/closing.bin', os.O_CREAT | os.O_WRONLY, 0o644)`,
      'os.write(fd, src)',
      "print('closing', flush=True)",
      'try:',
      '    os.close(fd)',
      "    print('closed ok', flush=True)",
      'except OSError as e:',
      "    print(f'close failed {e.errno}', flush=True)",
    ].join('\n');
    await fs.writeFile(join(work, 'closing.py'), script);
    const writer = new SteppedProcess('python3', [join(work, 'closing.py')]);
    try {
      await writer.waitFor(/closing/);
      mount.child.kill('SIGTERM');
      await writer.waitFor(/closed ok|close failed/, 60_000);
      expect(await mount.exited).toBe(0);
    } finally {
      writer.kill();
      await stopMount(mount, mnt);
    }
    const state = await objectState('closing.bin', data);
    // What close() reported is what happened: success means the whole object is there, an error means none is.
    if (writer.output.includes('closed ok')) expect(state).toBe('complete');
    else expect(state).toBe('absent');
    expect(state).not.toBe('partial');
  }, 120_000);

  it('does not upload a file still open and half-written at SIGTERM, and says so', async () => {
    const mount = await startCliMount(mnt, 's3', 'term-bucket', ['--endpoint', server.endpoint, '--path-style'], S3_CREDENTIALS);
    const script = [
      'import os, sys',
      `fd = os.open('${mnt}/half.bin', os.O_CREAT | os.O_WRONLY, 0o644)`,
      "os.write(fd, b'x' * 1000)",
      "print('written', flush=True)",
      'sys.stdin.readline()',
      'try:',
      "    os.write(fd, b'y'); os.close(fd); print('no error', flush=True)",
      'except OSError as e:',
      "    print(f'error {e.errno}', flush=True)",
    ].join('\n');
    await fs.writeFile(join(work, 'half.py'), script);
    const writer = new SteppedProcess('python3', [join(work, 'half.py')]);
    try {
      await writer.waitFor(/written/);
      mount.child.kill('SIGTERM');
      expect(await mount.exited).toBe(0);
      writer.step();
      await writer.waitFor(/no error|error/);
      expect(writer.output).toMatch(/error \d+/);
    } finally {
      writer.kill();
      await stopMount(mount, mnt);
    }
    expect(await objectState('half.bin', Buffer.alloc(0))).toBe('absent');
    expect(mount.output()).toMatch(/half\.bin was still open for writing when the mount stopped/);
  }, 120_000);
});
