import { execFile } from 'node:child_process';

export interface ShellResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a bash command with a hard timeout. Tests drive mounts only through child processes like this one, never
 * with synchronous calls from the test process.
 */
export function sh(command: string, timeoutMs = 30_000, env: NodeJS.ProcessEnv = process.env): Promise<ShellResult> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', command], { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, env }, (error, stdout, stderr) => {
      const failure = error as (Error & { code?: number | string; killed?: boolean }) | null;
      const code = !failure ? 0 : typeof failure.code === 'number' ? failure.code : -1;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) + (failure?.killed ? `\n[killed after ${timeoutMs} ms]` : '') });
    });
  });
}

/** Like {@link sh} but fails the test with the command's output when it exits non-zero. */
export async function shOk(command: string, timeoutMs = 30_000): Promise<string> {
  const result = await sh(command, timeoutMs);
  if (result.code !== 0) {
    throw new Error(`command failed (${result.code}): ${command}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  }
  return result.stdout;
}
