import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, Option } from 'nest-commander';
import { CliCommand } from './cli-command';
import { UsageError } from './usage.error';

/** The name mount(8) looks for to mount type `fuse.nestjs-fuse`. */
export const MOUNT_HELPER = 'mount.fuse.nestjs-fuse';

interface InstallOptions {
  dir?: string;
}

/**
 * Writes the mount(8) helper, so that `mount -t fuse.nestjs-fuse …` and /etc/fstab lines of that type work: a shell
 * script that runs this installation's CLI with the Node running now and the flags of the CLI's own `#!` line.
 */
@Command({
  name: 'install-mount-helper',
  description: `Install /sbin/${MOUNT_HELPER}, so that mount -t fuse.nestjs-fuse and /etc/fstab lines work (as root)`,
})
export class InstallMountHelperCommand extends CliCommand {
  async run(_args: string[], options: InstallOptions = {}): Promise<void> {
    const path = join(options.dir ?? '/sbin', MOUNT_HELPER);
    const main = resolve(process.argv[1]);
    const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;
    // This Node, by its path (mount(8) and systemd run helpers with a short PATH), with the flags main.js runs with.
    const command = [process.execPath, ...(await nodeFlagsOf(main)), main].map(quote).join(' ');
    const script = [
      '#!/bin/sh',
      '# Written by `nestjs-fuse install-mount-helper`: mount(8) runs it for filesystems of type fuse.nestjs-fuse.',
      `exec ${command} mount-helper "$@"`,
      '',
    ].join('\n');
    try {
      await writeFile(path, script, { mode: 0o755 });
      await chmod(path, 0o755);
    } catch (error) {
      throw new UsageError(`cannot write ${path} (${(error as NodeJS.ErrnoException).code}). Run as root, or pass --dir.`);
    }
    process.stdout.write(`nestjs-fuse: installed ${path}; mount -t fuse.nestjs-fuse <backend>:<source> <dir> -o <options> now works\n`);
  }

  @Option({ flags: '--dir <dir>', description: 'where to install it; default /sbin' })
  parseDir(value: string): string {
    return resolve(value);
  }
}

/** The Node flags on the CLI's `#!/usr/bin/env -S node …` line. */
async function nodeFlagsOf(main: string): Promise<string[]> {
  const shebang = (await readFile(main, 'utf8')).split('\n', 1)[0];
  return (
    /^#!.*\bnode\b(.*)$/
      .exec(shebang)?.[1]
      .trim()
      .split(/\s+/)
      .filter((flag) => flag.startsWith('--')) ?? []
  );
}
