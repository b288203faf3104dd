import { MountProcess, startCliMount, stopMount } from './support/mount-process';
import { S3Fixture } from './support/s3-fixture';
import { S3_CREDENTIALS, S3Server } from './support/s3-server';
import { shOk } from './support/shell';

const LARGE = process.env.NESTJS_FUSE_LARGE === '1';
const SIZE_MIB = 5 * 1024 + 100;

/**
 * An object over 5 GiB (S3's single-request copy limit) written, read, renamed and chmod'ed through a real mount.
 * Takes minutes and ~16 GiB of disk: run with `npm run test:large` (NESTJS_FUSE_LARGE=1), not in the normal suite.
 */
(LARGE ? describe : describe.skip)('S3 backend with an object over 5 GiB', () => {
  let s3: S3Fixture;
  let server: S3Server;
  let work: string;
  let mnt: string;
  let mount: MountProcess | undefined;

  beforeAll(async () => {
    s3 = await S3Fixture.start('large-bucket', 'large');
    ({ server, work, mnt } = s3);
    await shOk(`head -c ${SIZE_MIB}M /dev/urandom > ${work}/huge.bin`, 600_000);
    mount = await startCliMount(
      mnt,
      's3',
      'large-bucket',
      ['--endpoint', server.endpoint, '--path-style', '--part-size', '64M', '--request-timeout', '600000'],
      S3_CREDENTIALS,
    );
  }, 900_000);

  afterAll(async () => {
    await stopMount(mount, mnt);
    await s3?.stop();
  });

  it('writes, reads back, renames and changes the mode of a 5.1 GiB file', async () => {
    await shOk(`dd if=${work}/huge.bin of=${mnt}/huge.bin bs=1M status=none`, 1_800_000);
    expect(await shOk(`stat -c %s ${mnt}/huge.bin`)).toBe(`${SIZE_MIB * 1024 * 1024}\n`);
    await shOk(`cmp ${work}/huge.bin ${mnt}/huge.bin`, 1_800_000);
    await shOk(`mv ${mnt}/huge.bin ${mnt}/renamed.bin && chmod 600 ${mnt}/renamed.bin`, 1_800_000);
    expect(await shOk(`stat -c '%a %s' ${mnt}/renamed.bin`)).toBe(`600 ${SIZE_MIB * 1024 * 1024}\n`);
    await shOk(`cmp ${work}/huge.bin ${mnt}/renamed.bin`, 1_800_000);
  }, 3_600_000);
});
