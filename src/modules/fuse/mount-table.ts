import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

// The kernel's mount table, read from /proc: never a request to a mount itself, so a hung mount cannot hang the reader.

/** True when /proc/mounts lists `path` as a mountpoint. */
export async function isMounted(path: string): Promise<boolean> {
  const mounts = await readFile('/proc/mounts', 'utf8');
  const target = resolve(path);
  return mounts.split('\n').some((line) => decodeMountField(line.split(' ')[1] ?? '') === target);
}

/**
 * The device number (`major:minor`) of the filesystem mounted at `path`, the latest one when several are stacked there;
 * undefined when nothing is. Read from /proc/self/mountinfo: never a request to the mount itself.
 */
export async function mountedDevice(path: string): Promise<string | undefined> {
  const target = resolve(path);
  const lines = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n');
  let device: string | undefined;
  for (const line of lines) {
    const fields = line.split(' ');
    if (decodeMountField(fields[4] ?? '') === target) device = fields[2];
  }
  return device;
}

function decodeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
