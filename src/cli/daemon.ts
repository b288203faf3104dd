import { spawn } from 'node:child_process';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Set in the environment of the background process `--daemon` starts. */
export const DAEMON_CHILD = 'NESTJS_FUSE_DAEMON_CHILD';

/** What the background process tells the command that started it, once. */
export type DaemonMessage = { ready: string } | { failed: string; code: number };

export function isDaemonChild(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[DAEMON_CHILD] === '1';
}

/**
 * Runs this command again in the background, detached from the terminal, its output appended to `logFile`, and
 * waits until it says the mount is ready or has failed. Resolves with the exit code for this process — 0 once the
 * mount is ready, the failure's code otherwise (its reason already on stderr) — and the background process's pid.
 */
export async function startDaemon(args: string[], logFile: string): Promise<{ code: number; pid?: number }> {
  await mkdir(dirname(logFile), { recursive: true, mode: 0o755 });
  const log = await open(logFile, 'a', 0o640);
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...args], {
    detached: true,
    stdio: ['ignore', log.fd, log.fd, 'ipc'],
    // The flag is not passed on; its variable must not start a daemon of a daemon either.
    env: { ...process.env, [DAEMON_CHILD]: '1', NESTJS_FUSE_DAEMON: 'false' },
  });
  await log.close();
  const outcome = await new Promise<DaemonMessage>((resolve) => {
    child.once('message', (message) => resolve(message as DaemonMessage));
    child.once('exit', (code, signal) =>
      resolve({ failed: `the background process stopped (${code ?? signal}) before the mount was ready; see ${logFile}`, code: code || 1 }),
    );
  });
  if ('ready' in outcome) {
    if (child.connected) child.disconnect();
    child.unref();
    return { code: 0, pid: child.pid };
  }
  process.stderr.write(`nestjs-fuse: ${outcome.failed}\n`);
  return { code: outcome.code };
}

/** In the background process: tells the starting command how the mount went (nothing when run in the foreground). */
export function tellStarter(message: DaemonMessage): Promise<void> {
  const send = process.send?.bind(process);
  if (!send || !process.connected) return Promise.resolve();
  return new Promise((resolve) => {
    send(message, undefined, undefined, () => {
      process.disconnect?.();
      resolve();
    });
  });
}
