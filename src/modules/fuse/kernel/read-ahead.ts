import { writeFile } from 'node:fs/promises';
import { mountedDevice } from '../mount-table';

/**
 * Sets how far the kernel reads ahead in the files of the mount at `mountpoint`, in bytes. The kernel starts a FUSE
 * mount at 128 KiB — a sequential read then reaches the daemon in 128 KiB requests whatever the largest request
 * allowed — and INIT can only lower it; the mount's backing-device entry in sysfs raises it. Writing there needs root:
 * false where it could not be set.
 */
export async function setReadAhead(mountpoint: string, bytes: number): Promise<boolean> {
  const device = await mountedDevice(mountpoint).catch(() => undefined);
  if (!device) return false;
  try {
    await writeFile(`/sys/class/bdi/${device}/read_ahead_kb`, `${Math.ceil(bytes / 1024)}\n`);
    return true;
  } catch {
    return false;
  }
}
