import { constants, fstatSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackingFile } from './backing-file';
import { INLINE_METADATA_CALLS, THREAD_POOL_METADATA_CALLS } from './metadata-calls';

describe('BackingFile', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nestjs-fuse-backing-'));
    await writeFile(join(dir, 'a'), 'aaa');
    await writeFile(join(dir, 'b'), 'bbbbbb');
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  it.each([
    ['inline', INLINE_METADATA_CALLS],
    ['on the thread pool', THREAD_POOL_METADATA_CALLS],
  ])('closes its descriptor once, however often it is asked (%s)', async (_name, calls) => {
    const first = await BackingFile.open(calls, join(dir, 'a'), constants.O_RDWR);
    await first.close();
    // The number is free again: the next open may get it, and a second close of the first file must not close it.
    const second = await BackingFile.open(calls, join(dir, 'b'), constants.O_RDWR);
    await first.close();
    expect(fstatSync(second.fd).size).toBe(6);
    await second.truncate(2);
    await second.datasync();
    expect((await second.stat()).size).toBe(2);
    await second.close();
  });
});
