import { Logger } from '@nestjs/common';
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, readdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { MountException } from './errors/mount.exception';
import { isMounted } from './mount-table';

const PROBE_TIMEOUT_MS = 5_000;

export interface PrepareMountpointOptions {
  mkdir?: boolean;
  allowNonEmpty?: boolean;
}

/**
 * Everything that is checked before a mount: FUSE is usable, the mountpoint exists and is free, and a stale mount left
 * by a killed process (`Transport endpoint is not connected`) is cleared. The mountpoint is only ever probed from a
 * child process with a timeout, so a hung filesystem there cannot hang this one.
 */
export class MountpointGuard {
  constructor(private readonly logger = new Logger('MountpointGuard')) {}

  async prepare(mountpoint: string, options: PrepareMountpointOptions = {}): Promise<string> {
    const path = resolve(mountpoint);
    await this.checkFuseDevice();
    if (await isMounted(path)) await this.clearExistingMount(path);
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new MountException(`Mountpoint ${path} cannot be used: ${(error as Error).message}.`);
      }
      if (!options.mkdir) {
        throw new MountException(`Mountpoint ${path} does not exist. Create it (mkdir -p ${path}) or pass the mkdir option.`);
      }
      await mkdir(path, { recursive: true });
      info = await stat(path);
    }
    if (!info.isDirectory()) throw new MountException(`Mountpoint ${path} is not a directory. Mount on an empty directory.`);
    if (!options.allowNonEmpty && (await readdir(path)).length > 0) {
      throw new MountException(
        `Mountpoint ${path} is not empty. Mount on an empty directory, or allow mounting over its contents (allowNonEmpty / --allow-non-empty).`,
      );
    }
    return path;
  }

  /** Waits until the kernel no longer lists `mountpoint` (fusermount -z detaches lazily). */
  async waitUntilUnmounted(mountpoint: string, timeoutMs = 5_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!(await isMounted(mountpoint))) return true;
      await new Promise((r) => setTimeout(r, 25));
    }
    return false;
  }

  private async checkFuseDevice(): Promise<void> {
    try {
      await access('/dev/fuse', constants.R_OK | constants.W_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new MountException(
        code === 'ENOENT'
          ? '/dev/fuse does not exist: this kernel or container has no FUSE. Load the fuse module (modprobe fuse) or run the container with --device /dev/fuse.'
          : `No permission to use /dev/fuse (${code}): users other than root need it readable and writable, as Debian's default mode 0666 makes it. Run as root, or chmod 0666 /dev/fuse.`,
      );
    }
  }

  private async clearExistingMount(path: string): Promise<void> {
    const probe = await run('stat', ['--', path], PROBE_TIMEOUT_MS);
    if (probe.timedOut) {
      throw new MountException(`${path} is mounted by a filesystem that does not answer. Unmount it first: fusermount -uz ${path}`);
    }
    if (probe.code === 0) {
      throw new MountException(
        `${path} is already mounted by a live filesystem. Unmount it first (fusermount -u ${path}) or choose another mountpoint.`,
      );
    }
    if (!/not connected/i.test(probe.stderr)) {
      throw new MountException(`${path} is a mountpoint that cannot be inspected: ${probe.stderr.trim()}`);
    }
    this.logger.warn(`Clearing a stale mount at ${path} (left by a process that died without unmounting)`);
    const cleared = await run('fusermount', ['-uz', '--', path], PROBE_TIMEOUT_MS);
    if (cleared.code !== 0 && (await isMounted(path))) {
      const lazy = await run('umount', ['-l', '--', path], PROBE_TIMEOUT_MS);
      if (lazy.code !== 0) {
        throw new MountException(`Could not clear the stale mount at ${path}: ${cleared.stderr.trim() || lazy.stderr.trim()}`);
      }
    }
    await this.waitUntilUnmounted(path);
  }
}

interface RunResult {
  code: number | null;
  stderr: string;
  timedOut: boolean;
}

function run(command: string, args: string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    execFile(command, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, _stdout, stderr) => {
      const failure = error as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string }) | null;
      resolvePromise({
        code: failure ? (typeof failure.code === 'number' ? failure.code : -1) : 0,
        stderr: String(stderr ?? failure?.message ?? ''),
        timedOut: Boolean(failure?.killed),
      });
    });
  });
}
