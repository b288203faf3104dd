import { MountException } from './errors/mount.exception';
import { automaticTransport } from './fuse-transport.factory';
import { fuseDeviceAddonBuilt } from './kernel/fuse-device.binding';
import { findFusermount } from './kernel/fusermount';

describe('automaticTransport', () => {
  it('follows NESTJS_FUSE_TRANSPORT when it names a transport', async () => {
    expect(await automaticTransport({ NESTJS_FUSE_TRANSPORT: 'fuse-native' })).toBe('fuse-native');
    expect(await automaticTransport({ NESTJS_FUSE_TRANSPORT: 'kernel' })).toBe('kernel');
  });

  it('names the problem and the fix when NESTJS_FUSE_TRANSPORT is misspelt', async () => {
    await expect(automaticTransport({ NESTJS_FUSE_TRANSPORT: 'kernal' })).rejects.toThrow(MountException);
    await expect(automaticTransport({ NESTJS_FUSE_TRANSPORT: 'kernal' })).rejects.toThrow(/must be kernel, fuse-native or auto, not "kernal"/);
  });

  it('takes the kernel transport on Linux when its addon is built and it can mount (root, or a fusermount), fuse-native otherwise', async () => {
    const canMount =
      process.platform === 'linux' && (await fuseDeviceAddonBuilt()) && (process.geteuid?.() === 0 || (await findFusermount()) !== undefined);
    expect(await automaticTransport({})).toBe(canMount ? 'kernel' : 'fuse-native');
    expect(await automaticTransport({ NESTJS_FUSE_TRANSPORT: 'auto' })).toBe(canMount ? 'kernel' : 'fuse-native');
  });
});
