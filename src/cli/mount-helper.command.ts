import { spawn } from 'node:child_process';
import { Command, Option } from 'nest-commander';
import { CliCommand } from './cli-command';
import { mountArguments } from './fstab-options';

interface MountHelperOptions {
  options?: string[];
}

/**
 * What mount(8) runs for `mount -t fuse.nestjs-fuse <backend>:<source> <dir> -o <options>` and for such an fstab line,
 * through the helper `install-mount-helper` puts in /sbin: the same mount as `nestjs-fuse mount … --daemon`, so it
 * returns once the mount is ready, with its exit code.
 */
@Command({
  name: 'mount-helper',
  arguments: '<spec> <dir>',
  description: 'mount(8) helper for type fuse.nestjs-fuse (see install-mount-helper)',
  options: { hidden: true },
})
export class MountHelperCommand extends CliCommand {
  async run([spec, dir]: string[], options: MountHelperOptions = {}): Promise<void> {
    const args = mountArguments(spec, dir, options.options ?? []);
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...args], { stdio: 'inherit' });
    process.exitCode = await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  }

  @Option({ flags: '-o <options>', name: 'options', description: 'comma-separated mount options' })
  parseOptions(value: string, previous: string[] = []): string[] {
    return [...previous, value];
  }

  // mount(8) may pass these; they change nothing here.
  @Option({ flags: '-t <type>', description: 'the filesystem type (fuse.nestjs-fuse)' })
  parseType(value: string): string {
    return value;
  }

  @Option({ flags: '-n', description: 'do not write /etc/mtab' })
  parseNoMtab(): boolean {
    return true;
  }

  @Option({ flags: '-s', description: 'tolerate sloppy options' })
  parseSloppy(): boolean {
    return true;
  }

  @Option({ flags: '-f', description: 'fake' })
  parseFake(): boolean {
    return true;
  }

  @Option({ flags: '-v', description: 'verbose' })
  parseVerbose(): boolean {
    return true;
  }
}
