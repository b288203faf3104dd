import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SLOW_MARK, SLOW_WRITE_MS, WriteRecord } from '../fixtures/write-record.filesystem';
import { MountProcess, startFixtureMount, stopMount } from './support/mount-process';
import { sh, shOk } from './support/shell';

const MiB = 1024 * 1024;

/**
 * How the kernel transport hands written data to handlers: a 1 MiB WRITE arrives in one of a few buffers the reader
 * reuses (no allocation or copy per request), byte-exact with several writers at once, and a buffer whose handler
 * outlived its deadline is never reused under it.
 */
describe('written data on the kernel transport', () => {
  let work: string;
  let mnt: string;
  let source: string;
  let mount: MountProcess | undefined;

  const record = async (): Promise<WriteRecord> => JSON.parse(await shOk(`cat ${mnt}/stats`)) as WriteRecord;

  beforeAll(async () => {
    work = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-writes-'));
    mnt = join(work, 'mnt');
    source = join(work, 'source');
    await fs.mkdir(mnt);
    await shOk(`head -c ${32 * MiB} /dev/urandom > ${source}`);
    mount = await startFixtureMount('serve-write-record.ts', [mnt], mnt);
  });

  afterAll(async () => {
    await stopMount(mount, mnt);
    await fs.rm(work, { recursive: true, force: true });
  });

  it('reuses a few buffers for 1 MiB writes, byte-exact', async () => {
    await shOk(`dd if=${source} of=${mnt}/data bs=1M status=none`);
    const after = await record();
    expect(after.writes).toBeGreaterThanOrEqual(32);
    expect(after.distinctBuffers).toBeLessThanOrEqual(8);
    await shOk(`cmp ${source} ${mnt}/data`);
  });

  it('keeps four concurrent writers byte-exact', async () => {
    const writers = [0, 1, 2, 3].map(
      (quarter) => `dd if=${source} of=${mnt}/data bs=1M skip=${quarter * 8} seek=${quarter * 8} count=8 conv=notrunc status=none`,
    );
    await shOk(`(${writers.join(' & ')} & wait)`);
    await shOk(`cmp ${source} ${mnt}/data`);
  });

  it('never reuses the buffer of a write its deadline gave up on while the handler still reads it', async () => {
    await shOk(`{ printf ${SLOW_MARK}; head -c ${MiB - SLOW_MARK.length} /dev/zero; } > ${work}/slow`);
    const slow = sh(`dd if=${work}/slow of=${mnt}/data bs=1M seek=40 conv=notrunc status=none`, 10_000);
    // While the slow write's handler holds its data, 1 MiB writes to another file come in (one to the same file would
    // wait for the slow one's inode lock).
    await shOk(`sleep 0.3; dd if=${source} of=${mnt}/other bs=1M count=8 status=none`);
    expect((await slow).stderr).toMatch(/timed out/i);
    await shOk(`sleep ${(SLOW_WRITE_MS + 200) / 1000}`);
    expect(await record()).toMatchObject({ slowDone: 1, corrupted: 0 });
  });
});
