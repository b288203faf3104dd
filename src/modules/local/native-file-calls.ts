import { FsError } from '../fuse';
import { FuseDeviceBinding, fuseDeviceAddonBuilt, loadFuseDevice } from '../fuse/kernel/fuse-device.binding';

/** Whether the addon is built does not change while the process runs: asked once. */
let built: Promise<boolean> | undefined;

/**
 * The system calls Node lacks (utimensat, fallocate, lseek with SEEK_DATA/SEEK_HOLE, copy_file_range), from
 * nestjs-fuse's addon; undefined where it is not built.
 */
export async function nativeFileCalls(): Promise<FuseDeviceBinding | undefined> {
  built ??= fuseDeviceAddonBuilt();
  return (await built) ? loadFuseDevice() : undefined;
}

/** Like {@link nativeFileCalls}, for an op that cannot work without it: ENOSYS, so the kernel does without. */
export async function requiredFileCalls(op: string): Promise<FuseDeviceBinding> {
  const calls = await nativeFileCalls();
  if (!calls) throw FsError.notImplemented(`${op} needs nestjs-fuse's addon (node scripts/build-kernel-transport.js)`);
  return calls;
}

/** Awaits an addon call, turning its failure (an Error with a negative errno) into that FsError. */
export async function native<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    const errno = (error as { errno?: number }).errno;
    throw errno ? new FsError(-errno, (error as Error).message) : error;
  }
}
