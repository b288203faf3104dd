import { readFile } from 'node:fs/promises';

const CLOCK_TICKS_PER_SECOND = 100;

/** User + system CPU seconds a process (all its threads) has used so far. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may itself contain spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** The process's peak resident set size so far (VmHWM), in MiB. */
export async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
  if (!match) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/**
 * Bytes received on the loopback interface so far. Every S3 contender talks to the one server over loopback and
 * nothing else does during a measurement, so the difference across a run is what it pulled (plus small headers).
 */
export async function loopbackBytes(): Promise<number> {
  const dev = await readFile('/proc/net/dev', 'utf8');
  const line = dev.split('\n').find((row) => row.trim().startsWith('lo:'));
  if (!line) throw new Error('no loopback interface in /proc/net/dev');
  return Number(line.trim().slice(3).trim().split(/\s+/)[0]);
}
