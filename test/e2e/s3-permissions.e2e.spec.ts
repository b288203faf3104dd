import { HeadObjectCommand } from '@aws-sdk/client-s3';
import * as fs from 'node:fs/promises';
import { MountProcess, startCliMount, stopMount } from './support/mount-process';
import { S3Fixture } from './support/s3-fixture';
import { S3_CREDENTIALS, S3Server } from './support/s3-server';
import { sh, shOk } from './support/shell';
import { itOnKernelTransport } from './support/transport';

const BUCKET = 'permissions-bucket';

/**
 * With --allow-other the kernel checks every user's access against the attributes the mount answers. A listing
 * carries no object metadata: its defaults (0644 files, 0755 directories) must never stand in for the mode and owner
 * an object stores, whichever way the attributes arrive (listing, HEAD, cache), across a remount.
 */
describe('S3 mount with --allow-other: stored permissions hold for other users', () => {
  let s3: S3Fixture;
  let server: S3Server;
  let work: string;
  let mnt: string;
  let mount: MountProcess | undefined;

  const mountBucket = (): Promise<MountProcess> =>
    startCliMount(mnt, 's3', BUCKET, ['--endpoint', server.endpoint, '--path-style', '--allow-other'], S3_CREDENTIALS);
  const asNobody = (command: string): ReturnType<typeof sh> => sh(`runuser -u nobody -- ${command}`, 20_000);

  beforeAll(async () => {
    s3 = await S3Fixture.start(BUCKET, 's3perm');
    ({ server, work, mnt } = s3);
    // Other users must be able to reach the mountpoint, or every check below would pass for the wrong reason.
    await fs.chmod(work, 0o755);
    mount = await mountBucket();
    await shOk(`echo secret > ${mnt}/private.txt && chmod 600 ${mnt}/private.txt`);
    await shOk(`echo public > ${mnt}/public.txt && chmod 644 ${mnt}/public.txt`);
    await shOk(`mkdir ${mnt}/closed && echo inside > ${mnt}/closed/file.txt && chmod 700 ${mnt}/closed`);
  }, 60_000);

  afterAll(async () => {
    await stopMount(mount, mnt);
    await s3?.stop();
  });

  const expectStoredPermissions = async (): Promise<void> => {
    expect((await asNobody(`cat ${mnt}/public.txt`)).stdout).toBe('public\n');
    const denied = await asNobody(`cat ${mnt}/private.txt`);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('Permission denied');
    const closed = await asNobody(`ls ${mnt}/closed`);
    expect(closed.code).not.toBe(0);
    expect(closed.stderr).toContain('Permission denied');
    expect((await shOk(`stat -c '%a %n' ${mnt}/private.txt ${mnt}/public.txt ${mnt}/closed`)).trim().split('\n')).toEqual([
      `600 ${mnt}/private.txt`,
      `644 ${mnt}/public.txt`,
      `700 ${mnt}/closed`,
    ]);
  };

  it('refuses another user a file made private and a directory made 700', async () => {
    await expectStoredPermissions();
  });

  it('still refuses them after a remount and an ls -l, which lists before anything is looked up', async () => {
    await stopMount(mount, mnt);
    mount = await mountBucket();
    await shOk(`ls -l ${mnt} > /dev/null`);
    await expectStoredPermissions();
    // And the same when the other user is the first to list.
    await stopMount(mount, mnt);
    mount = await mountBucket();
    await asNobody(`ls -l ${mnt}`);
    await expectStoredPermissions();
  }, 60_000);

  // fuse-native does not say who makes a file: there it is the daemon's.
  itOnKernelTransport(
    'stores the owner of what another user makes, so it stays theirs across a remount',
    async () => {
      await shOk(`mkdir ${mnt}/drop && chmod 1777 ${mnt}/drop`);
      expect((await asNobody(`sh -c "echo theirs > ${mnt}/drop/note && mkdir ${mnt}/drop/sub"`)).code).toBe(0);
      const client = server.client();
      try {
        const stored = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'drop/note' }));
        const nobody = (await shOk('id -u nobody')).trim();
        expect(stored.Metadata).toMatchObject({ uid: nobody, gid: (await shOk('id -g nobody')).trim() });
        await stopMount(mount, mnt);
        mount = await mountBucket();
        expect(await shOk(`stat -c '%U %n' ${mnt}/drop/note ${mnt}/drop/sub`)).toBe(`nobody ${mnt}/drop/note\nnobody ${mnt}/drop/sub\n`);
      } finally {
        client.destroy();
      }
    },
    60_000,
  );
});
