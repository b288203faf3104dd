import { MountException } from './errors/mount.exception';
import { automaticTransport } from './fuse-transport.factory';
import { fuseDeviceAddonBuilt } from './kernel/fuse-device.binding';

describe('automaticTransport', () => {
  it('follows NESTJS_FUSE_TRANSPORT when it names a transport', () => {
    expect(automaticTransport({ NESTJS_FUSE_TRANSPORT: 'fuse-native' })).toBe('fuse-native');
    expect(automaticTransport({ NESTJS_FUSE_TRANSPORT: 'kernel' })).toBe('kernel');
  });

  it('names the problem and the fix when NESTJS_FUSE_TRANSPORT is misspelt', () => {
    expect(() => automaticTransport({ NESTJS_FUSE_TRANSPORT: 'kernal' })).toThrow(MountException);
    expect(() => automaticTransport({ NESTJS_FUSE_TRANSPORT: 'kernal' })).toThrow(/must be kernel, fuse-native or auto, not "kernal"/);
  });

  it('takes the kernel transport on Linux as root when its addon is built, fuse-native otherwise', () => {
    const canMount = process.platform === 'linux' && process.getuid?.() === 0 && fuseDeviceAddonBuilt();
    expect(automaticTransport({})).toBe(canMount ? 'kernel' : 'fuse-native');
    expect(automaticTransport({ NESTJS_FUSE_TRANSPORT: 'auto' })).toBe(canMount ? 'kernel' : 'fuse-native');
  });
});
