import { readFile, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { Command, Option } from 'nest-commander';
import { CliCommand } from './cli-command';
import { isMounted, mountedDevice } from '../modules/fuse/mount-table';
import { deletePidFile, readPidFile } from './daemon-files';
import { parseNonNegativeInteger } from './option-parsers';

interface UnmountOptions {
  force?: boolean;
  timeout?: number;
}

const POLL_MS = 100;

@Command({
  name: 'unmount',
  arguments: '<mountpoint>',
  argsDescription: { mountpoint: 'where `nestjs-fuse mount` mounted' },
  description: 'Unmount as Ctrl-C does: requests in flight and uploads finish, then the mount process exits.',
})
export class UnmountCommand extends CliCommand {
  async run([mountpoint]: string[], options: UnmountOptions = {}): Promise<void> {
    const target = resolve(mountpoint);
    const pid = await readPidFile(target);
    const serving = pid !== undefined && (await serves(pid, target));
    if (!serving && !(await isMounted(target))) throw new Error(`nothing is mounted at ${target}.`);
    if (options.force) return forceUnmount(target, serving ? pid : undefined);
    if (!serving) {
      throw new Error(`no nestjs-fuse process serves ${target} any more (a stale mount?). Clear it with: nestjs-fuse unmount --force ${target}`);
    }
    process.kill(pid, 'SIGTERM');
    const timeoutMs = (options.timeout ?? 3600) * 1000;
    if (!(await exited(pid, timeoutMs))) {
      throw new Error(`${target} is still finishing after ${timeoutMs / 1000} s (uploads in flight). Wait, or lose them with --force.`);
    }
    process.stdout.write(`nestjs-fuse: unmounted ${target}\n`);
  }

  @Option({ flags: '--force', description: 'for a wedged mount: abort its connection and detach it now (writes in flight are lost)' })
  parseForce(): boolean {
    return true;
  }

  @Option({ flags: '--timeout <seconds>', description: 'how long to wait for uploads in flight; default 3600' })
  parseTimeout(value: string): number {
    return parseNonNegativeInteger('--timeout', value);
  }
}

/** Whether process `pid` is a nestjs-fuse mount of `mountpoint` (a pid file may outlive its process). */
async function serves(pid: number, mountpoint: string): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  const args = cmdline.split('\0');
  const at = args.indexOf('mount');
  return at >= 0 && resolve(args[at + 1] ?? '') === mountpoint;
}

async function exited(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await alive(pid))) return true;
    await new Promise((resolvePromise) => setTimeout(resolvePromise, POLL_MS));
  }
  return !(await alive(pid));
}

async function alive(pid: number): Promise<boolean> {
  const status = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // A zombie has exited: its parent has not collected it yet.
  return status !== undefined && status.split(') ')[1]?.[0] !== 'Z';
}

/** Kills the process, aborts the FUSE connection (requests waiting on it fail at once) and detaches the mount. */
async function forceUnmount(mountpoint: string, pid: number | undefined): Promise<void> {
  if (pid !== undefined) process.kill(pid, 'SIGKILL');
  const device = await mountedDevice(mountpoint);
  const minor = device?.split(':')[1];
  if (minor) await writeFile(`/sys/fs/fuse/connections/${minor}/abort`, '1').catch(() => undefined);
  if (await isMounted(mountpoint)) {
    await new Promise<void>((resolvePromise, reject) =>
      execFile('umount', ['-l', '--', mountpoint], { timeout: 10_000, killSignal: 'SIGKILL' }, (error, _stdout, stderr) =>
        error ? reject(new Error(`umount -l ${mountpoint} failed: ${stderr.trim() || error.message}`)) : resolvePromise(),
      ),
    );
  }
  await deletePidFile(mountpoint);
  process.stdout.write(`nestjs-fuse: force-unmounted ${mountpoint}; writes in flight were lost\n`);
}
