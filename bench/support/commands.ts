import { sh } from '../../test/e2e/support/shell';

const MINUTES = 60_000;

/** Runs a shell command (bounded by a timeout) and returns its wall time in seconds and its stdout. */
export async function timed(command: string, timeoutMs = 10 * MINUTES): Promise<{ seconds: number; stdout: string; stderr: string }> {
  const started = process.hrtime.bigint();
  const result = await sh(command, timeoutMs);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.code !== 0) throw new Error(`benchmark command failed (${result.code}): ${command}\n${result.stderr.slice(-2_000)}`);
  return { seconds, stdout: result.stdout, stderr: result.stderr };
}

export function quote(path: string): string {
  return `'${path.replace(/'/g, `'\\''`)}'`;
}

/** dd's own count of the bytes it copied, so a short read or write is an error and not a fast result. */
export function ddBytes(stderr: string): number {
  const match = /^(\d+) bytes/m.exec(stderr);
  if (!match) throw new Error(`dd printed no byte count:\n${stderr}`);
  return Number(match[1]);
}
