import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `/mnt/data` → `mnt-data`, as systemd names mount units: one file name per mountpoint. */
export function mountpointName(mountpoint: string): string {
  const name = mountpoint.replace(/^\/+|\/+$/g, '').replace(/\/+/g, '-');
  return name === '' ? '-' : name;
}

function isRoot(): boolean {
  return process.geteuid?.() === 0;
}

/** Where the mount of `mountpoint` keeps its pid file: /run/nestjs-fuse as root, the user's runtime directory else. */
export function pidFile(mountpoint: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = isRoot() ? '/run/nestjs-fuse' : join(env.XDG_RUNTIME_DIR ?? join('/tmp', `nestjs-fuse-${process.getuid?.() ?? 0}`), 'nestjs-fuse');
  return join(dir, `${mountpointName(mountpoint)}.pid`);
}

/** Where `--daemon` logs when no `--log-file` is given: /var/log/nestjs-fuse as root, the user's state directory else. */
export function defaultLogFile(mountpoint: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = isRoot() ? '/var/log/nestjs-fuse' : join(env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'nestjs-fuse');
  return join(dir, `${mountpointName(mountpoint)}.log`);
}

/** Records that this process serves `mountpoint`, so `nestjs-fuse unmount` can find it. */
export async function writePidFile(mountpoint: string): Promise<string> {
  const path = pidFile(mountpoint);
  await mkdir(join(path, '..'), { recursive: true, mode: 0o755 });
  await writeFile(path, `${process.pid}\n`, { mode: 0o644 });
  return path;
}

/** The pid recorded for `mountpoint`, if any. */
export async function readPidFile(mountpoint: string): Promise<number | undefined> {
  const text = await readFile(pidFile(mountpoint), 'utf8').catch(() => undefined);
  const pid = Number(text?.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Removes the pid file, if it still names this process. */
export async function removePidFile(mountpoint: string): Promise<void> {
  if ((await readPidFile(mountpoint)) === process.pid) await deletePidFile(mountpoint);
}

/** Removes the pid file whoever it names (its process was killed). */
export async function deletePidFile(mountpoint: string): Promise<void> {
  await rm(pidFile(mountpoint), { force: true });
}
