import { ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { sh } from './shell';

export const REPO = resolve(__dirname, '..', '..', '..');
export const CLI = join(REPO, 'dist', 'main.js');

export interface MountProcess {
  child: ChildProcess;
  mountpoint: string;
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  exited: Promise<number | string>;
}

/**
 * Starts a process that serves a mount and resolves once it prints `ready` — the CLI's "mounted at" line or a
 * fixture server's "ready" — or, with `'mounted'`, once the kernel lists the mount (for programs that print nothing).
 * Rejects with the process output if it exits or is not ready within `timeoutMs`.
 */
export function startMount(
  command: string[],
  mountpoint: string,
  env: NodeJS.ProcessEnv = {},
  ready: RegExp | 'mounted' = /mounted at|ready/,
  timeoutMs = 20_000,
): Promise<MountProcess> {
  const child = spawn(command[0], command.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: REPO,
    env: { ...process.env, ...sanitizerEnv(), ...env },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolveExit) => child.on('exit', (code, signal) => resolveExit(code ?? signal ?? -1)));
  const handle: MountProcess = { child, mountpoint, output: () => output, exited };
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mount did not become ready in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const check = (): void => {
      if (ready === 'mounted' || !ready.test(output)) return;
      clearTimeout(timer);
      resolveStart(handle);
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    if (ready === 'mounted') {
      const poll = setInterval(() => {
        void isMounted(mountpoint).then((mounted) => {
          if (!mounted) return;
          clearInterval(poll);
          clearTimeout(timer);
          resolveStart(handle);
        });
      }, 50);
      void exited.then(() => clearInterval(poll));
      setTimeout(() => clearInterval(poll), timeoutMs).unref();
    }
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`mount process exited (${code}) before it was ready:\n${output}`));
    });
  });
}

/** The CLI as a user runs it: `node dist/main.js mount <mountpoint> <backend> <source> …`. */
export function startCliMount(
  mountpoint: string,
  backend: string,
  source: string,
  flags: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<MountProcess> {
  // Run as a user runs it: the executable, whose shebang sets the daemon's Node flags.
  return startMount([CLI, 'mount', mountpoint, backend, source, ...flags], mountpoint, env);
}

/** A fixture server under test/e2e/fixtures, run through ts-node. */
export function startFixtureMount(script: string, args: string[], mountpoint: string): Promise<MountProcess> {
  return startMount([process.execPath, '-r', 'ts-node/register/transpile-only', join(REPO, 'test', 'e2e', 'fixtures', script), ...args], mountpoint);
}

export async function isMounted(mountpoint: string): Promise<boolean> {
  const mounts = await readFile('/proc/mounts', 'utf8');
  return mounts.split('\n').some((line) => line.split(' ')[1] === mountpoint);
}

/** Stops the process (SIGTERM, then SIGKILL) and makes sure nothing stays mounted. For `finally`/`afterAll`. */
export async function stopMount(mount: MountProcess | undefined, mountpoint?: string): Promise<void> {
  if (mount && mount.child.exitCode === null && mount.child.signalCode === null) {
    mount.child.kill('SIGTERM');
    const gone = await Promise.race([mount.exited.then(() => true), delay(5_000).then(() => false)]);
    if (!gone) mount.child.kill('SIGKILL');
    await Promise.race([mount.exited, delay(2_000)]);
  }
  const path = mountpoint ?? mount?.mountpoint;
  if (path && (await isMounted(path))) await sh(`fusermount -uz ${JSON.stringify(path)}`, 10_000);
}

export async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await delay(50);
  }
  return condition();
}

/** A timer that does not keep the test process alive. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * scripts/test-sanitized.sh runs the concurrency suites with the binding built under a sanitizer: only the daemons get
 * its runtime preloaded (not the test runner, the readers or the S3 server), and write their reports to its folder.
 */
function sanitizerEnv(): NodeJS.ProcessEnv {
  const runtime = process.env.NESTJS_FUSE_DAEMON_PRELOAD;
  const reports = process.env.NESTJS_FUSE_SANITIZER_REPORTS;
  if (!runtime || !reports) return {};
  const options = `log_path=${reports}/report:detect_leaks=0`;
  return { LD_PRELOAD: runtime, ASAN_OPTIONS: options, TSAN_OPTIONS: options };
}
