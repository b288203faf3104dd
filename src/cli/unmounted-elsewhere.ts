import { isMounted } from '../modules/fuse/mount-table';

const POLL_MS = 1_000;

/**
 * Resolves when `mountpoint` is no longer mounted though nobody asked this process to unmount it: `umount`, fusermount
 * or systemd took it away. The mount process then shuts down as on SIGTERM instead of idling on (fuse-native) or
 * vanishing without its shutdown (the kernel transport, whose reader simply ends).
 */
export class UnmountedElsewhere {
  private timer?: NodeJS.Timeout;
  readonly happened: Promise<'unmounted elsewhere'>;

  constructor(mountpoint: string) {
    this.happened = new Promise((resolve) => {
      const check = async (): Promise<void> => {
        if (!(await isMounted(mountpoint))) return resolve('unmounted elsewhere');
        this.timer = setTimeout(() => void check(), POLL_MS);
      };
      this.timer = setTimeout(() => void check(), POLL_MS);
    });
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
