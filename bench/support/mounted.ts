import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { delay, isMounted, waitUntil } from '../../test/e2e/support/mount-process';
import { sh } from '../../test/e2e/support/shell';
import { Cleanup } from './cleanup';

/** A filesystem a workload runs against: a directory, and the daemon serving it if there is one. */
export interface Target {
  root: string;
  /** The serving process, for its CPU time and peak RSS; undefined for direct access. */
  pid?: number;
  stop(): Promise<void>;
}

/**
 * Starts a FUSE daemon in the foreground and resolves once the kernel lists its mount. The daemon is stopped as a
 * user would (SIGTERM), and unmounted by force if it does not go in time, so no run leaves a mount behind.
 */
export async function startDaemon(
  cleanup: Cleanup,
  name: string,
  command: string[],
  mountpoint: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Target> {
  await mkdir(mountpoint, { recursive: true });
  if (await isMounted(mountpoint)) await sh(`fusermount -uz ${JSON.stringify(mountpoint)}`, 10_000);
  const child = cleanup.child(spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env }));
  cleanup.mount(mountpoint);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, delay(15_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    if (await isMounted(mountpoint)) await sh(`fusermount -uz ${JSON.stringify(mountpoint)}`, 10_000);
    cleanup.unmounted(mountpoint);
  };
  const mounted = await waitUntil(async () => child.exitCode === null && (await isMounted(mountpoint)), 30_000);
  if (!mounted) {
    await stop();
    throw new Error(`${name} did not mount ${mountpoint} within 30 s:\n${output}`);
  }
  return { root: mountpoint, pid: child.pid, stop };
}

/** Direct access to a directory: the ceiling of the local contenders. */
export function directTarget(root: string): Target {
  return { root, stop: async () => undefined };
}
