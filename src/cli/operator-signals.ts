import type { FuseMountService } from '../modules/fuse';
import type { DaemonLogger } from './daemon-logger';

const CONTEXT = 'nestjs-fuse';

/**
 * What a running mount does on the signals an operator sends: SIGHUP drops the metadata caches (names, attributes,
 * listings: changes made by other clients show at the next access) and reopens the log file (for logrotate); SIGUSR2
 * turns the trace of every request on or off. SIGINT and SIGTERM unmount (the mount command waits for them).
 */
export class OperatorSignals {
  private readonly onHangup = (): void => void this.hangup();
  private readonly onUser2 = (): void => this.toggleTracing();
  private tracing: boolean;

  constructor(
    private readonly mounts: FuseMountService,
    private readonly logger: DaemonLogger,
    tracing: boolean,
  ) {
    this.tracing = tracing;
  }

  install(): void {
    process.on('SIGHUP', this.onHangup);
    process.on('SIGUSR2', this.onUser2);
  }

  remove(): void {
    process.removeListener('SIGHUP', this.onHangup);
    process.removeListener('SIGUSR2', this.onUser2);
  }

  private async hangup(): Promise<void> {
    this.mounts.dropCaches();
    await this.logger.reopen();
    this.logger.notice('SIGHUP: metadata caches dropped, log file reopened', CONTEXT);
  }

  private toggleTracing(): void {
    this.tracing = !this.tracing;
    this.mounts.setTracing(this.tracing);
    if (this.tracing) this.logger.forceDebug(true);
    this.logger.notice(`SIGUSR2: request tracing ${this.tracing ? 'on' : 'off'}`, CONTEXT);
    if (!this.tracing) this.logger.forceDebug(false);
  }
}
