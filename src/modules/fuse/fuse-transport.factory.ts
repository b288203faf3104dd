import { Logger } from '@nestjs/common';
import { MountException } from './errors/mount.exception';
import type { FilesystemSession } from './filesystem-session';
import { FuseNativeAdapter } from './fuse-native.adapter';
import type { FuseMountOptions } from './interfaces/fuse-module-options.interface';
import type { FuseTransport, FuseTransportKind } from './interfaces/fuse-transport.interface';
import { FUSE_DEVICE_ADDON, fuseDeviceAddonBuilt } from './kernel/fuse-device.binding';
import { findFusermount } from './kernel/fusermount';
import { KernelTransport } from './kernel/kernel-transport';
import type { OpObserver } from './metrics/op-observer.interface';

/**
 * The transport `auto` picks here: NESTJS_FUSE_TRANSPORT when set (kernel or fuse-native: one switch for every mount
 * of a process, without changing its code), else the kernel one where it can mount — on Linux with the addon built,
 * as root or with a fusermount to mount through — and fuse-native elsewhere.
 */
export async function automaticTransport(env: NodeJS.ProcessEnv = process.env): Promise<FuseTransportKind> {
  const chosen = env.NESTJS_FUSE_TRANSPORT;
  if (chosen === 'kernel' || chosen === 'fuse-native') return chosen;
  if (chosen !== undefined && chosen !== '' && chosen !== 'auto') {
    throw new MountException(`NESTJS_FUSE_TRANSPORT must be kernel, fuse-native or auto, not "${chosen}".`);
  }
  if (process.platform !== 'linux' || !(await fuseDeviceAddonBuilt())) return 'fuse-native';
  return process.geteuid?.() === 0 || (await findFusermount()) !== undefined ? 'kernel' : 'fuse-native';
}

export async function createTransport(
  session: FilesystemSession,
  mountpoint: string,
  options: FuseMountOptions,
  logger?: Logger,
  metrics?: OpObserver,
): Promise<FuseTransport> {
  const choice = options.transport ?? 'auto';
  const kind = choice === 'auto' ? await automaticTransport() : choice;
  switch (kind) {
    case 'kernel':
      if (!(await fuseDeviceAddonBuilt())) {
        throw new MountException(
          `The kernel transport's addon is not built (${FUSE_DEVICE_ADDON} is missing). Build it with: node scripts/build-kernel-transport.js (needs a C compiler), or use the fuse-native transport.`,
        );
      }
      return new KernelTransport(session, mountpoint, options, logger, metrics);
    case 'fuse-native':
      return new FuseNativeAdapter(session, mountpoint, options, logger, metrics);
    default:
      throw new MountException(`Unknown transport "${String(kind)}": use auto, kernel or fuse-native.`);
  }
}
