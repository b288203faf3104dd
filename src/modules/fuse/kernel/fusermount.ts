import { execFile, spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { MountException } from '../errors/mount.exception';
import type { FuseDeviceBinding } from './fuse-device.binding';

/** fusermount3 (libfuse 3) or fusermount (libfuse 2): either mounts for a user who is not root. */
const PROGRAMS = ['fusermount3', 'fusermount'];
/** fusermount is quick; a hung one must not hang the mount. */
const TIMEOUT_MS = 10_000;

/** The first fusermount on PATH, or undefined when there is none. */
export async function findFusermount(path = process.env.PATH ?? '/usr/bin:/bin'): Promise<string | undefined> {
  for (const program of PROGRAMS) {
    for (const dir of path.split(delimiter).filter(Boolean)) {
      const candidate = join(dir, program);
      if (
        await access(candidate, fsConstants.X_OK).then(
          () => true,
          () => false,
        )
      )
        return candidate;
    }
  }
  return undefined;
}

/**
 * Mounts `mountpoint` through fusermount (set-user-ID root): it opens /dev/fuse, mounts it with `options` and sends
 * the descriptor back over a socket; resolves with that descriptor. Throws a MountException with fusermount's own
 * reason (allow_other without user_allow_other in /etc/fuse.conf, a mountpoint the user may not write, …).
 */
export async function mountWithFusermount(device: FuseDeviceBinding, program: string, mountpoint: string, options: string[]): Promise<number> {
  const [mine, theirs] = device.socketPair();
  try {
    const child = spawn(program, ['-o', options.join(','), '--', mountpoint], {
      stdio: ['ignore', 'ignore', 'pipe', theirs],
      env: { ...process.env, _FUSE_COMMFD: '3' },
      timeout: TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    device.closeDevice(theirs);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exit = await new Promise<number | string>((resolve) => {
      child.on('error', (error) => resolve(error.message));
      child.on('close', (code, signal) => resolve(code ?? signal ?? -1));
    });
    const fd = exit === 0 ? device.receiveDescriptor(mine) : -1;
    if (fd < 0) {
      const reason = stderr.trim().split('\n')[0] || `it exited with ${exit} without passing a descriptor`;
      throw new MountException(`Could not mount at ${mountpoint} through ${program}: ${reason}.`);
    }
    return fd;
  } finally {
    device.closeDevice(mine);
  }
}

/** Detaches a mount made by fusermount (lazily: open files finish). */
export function unmountWithFusermount(program: string, mountpoint: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(program, ['-u', '-z', '--', mountpoint], { timeout: TIMEOUT_MS, killSignal: 'SIGKILL' }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      reject(new Error(`${program} -u -z ${mountpoint} failed: ${String(stderr).trim() || error.message}`));
    });
  });
}
