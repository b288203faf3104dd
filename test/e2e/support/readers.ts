import { spawn } from 'node:child_process';

export interface Readers {
  /** Stops every reader; resolves once they are gone. */
  stop(): Promise<void>;
}

/**
 * Other programs using a mount while a test runs: `count` processes that loop over `cat` of every file and `ls -lR`
 * of `root` until stopped (each bounded by `maxSeconds`). Their errors are expected — files come and go under them —
 * and ignored; what matters is what the test's own operations see, and that the daemon survives.
 */
export function startReaders(root: string, count = 5, maxSeconds = 1800): Readers {
  const quoted = JSON.stringify(root);
  const loop = `while true; do find ${quoted} -type f -exec cat {} + >/dev/null 2>&1; ls -lR ${quoted} >/dev/null 2>&1; done`;
  const children = Array.from({ length: count }, () =>
    spawn('timeout', ['--kill-after=5', String(maxSeconds), 'bash', '-c', loop], { stdio: 'ignore', detached: true }),
  );
  return {
    async stop() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              try {
                process.kill(-(child.pid as number), 'SIGKILL');
              } catch {
                resolve();
              }
            }),
        ),
      );
    },
  };
}
