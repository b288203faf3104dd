import { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { sh } from '../../test/e2e/support/shell';
import { isMounted } from '../../test/e2e/support/mount-process';

/**
 * Everything the benchmark started — processes, mounts, scratch directories — so it can all be torn down on a normal
 * end, on an error, and on Ctrl-C or SIGTERM alike.
 */
export class Cleanup {
  private readonly children = new Set<ChildProcess>();
  private readonly mounts = new Set<string>();
  private readonly directories = new Set<string>();
  private running?: Promise<void>;

  /** Tears everything down, then exits, when the benchmark is interrupted. */
  installSignalHandlers(): void {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => {
        process.stderr.write(`\n${signal}: unmounting and stopping everything the benchmark started…\n`);
        void this.all().finally(() => process.exit(130));
      });
    }
  }

  child(child: ChildProcess): ChildProcess {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  mount(mountpoint: string): void {
    this.mounts.add(mountpoint);
  }

  unmounted(mountpoint: string): void {
    this.mounts.delete(mountpoint);
  }

  directory(path: string): string {
    this.directories.add(path);
    return path;
  }

  all(): Promise<void> {
    this.running ??= this.run();
    return this.running;
  }

  private async run(): Promise<void> {
    for (const child of this.children) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const child of this.children) child.kill('SIGKILL');
    for (const mountpoint of this.mounts) {
      if (await isMounted(mountpoint)) await sh(`fusermount -uz ${JSON.stringify(mountpoint)}`, 10_000);
    }
    for (const directory of this.directories) await rm(directory, { recursive: true, force: true });
  }
}
