import { Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { FsError } from './errors/fs-error';
import { DEFAULT_DEADLINE_MS, FuseOp } from './fuse.constants';
import { DEADLINE_MESSAGE, HANDLER_FAILED_MESSAGE } from './fuse.messages';
import type { InodeLocks, LockRequest } from './inode-locks';
import type { FuseModuleOptions } from './interfaces/fuse-module-options.interface';

class DeadlineExceeded extends Error {}

/**
 * Runs one handler call the way every op must run: after taking its inode locks, within its deadline, with every
 * failure turned into an {@link FsError}. Whatever a handler does, the promise this returns settles.
 */
export class OpInvoker {
  constructor(
    private readonly locks: InodeLocks,
    private readonly options: Pick<FuseModuleOptions, 'deadlineMs' | 'debug'>,
    private readonly logger: Logger,
  ) {}

  deadlineFor(op: FuseOp): number {
    const deadline = this.options.deadlineMs;
    if (typeof deadline === 'number') return deadline;
    return deadline?.[op] ?? deadline?.default ?? DEFAULT_DEADLINE_MS;
  }

  /**
   * `where` names the handler and its arguments for log lines. Locks are held until the handler settles, even past
   * the deadline: a late write must not overtake the next op on the same inode.
   */
  async run<T>(op: FuseOp, where: () => string, locks: readonly LockRequest[], call: () => Promise<T>): Promise<T> {
    const deadlineMs = this.deadlineFor(op);
    const controller = new AbortController();
    const started = performance.now();
    const work = (async () => {
      const release = await this.locks.acquire(locks, controller.signal);
      try {
        return await call();
      } finally {
        release();
      }
    })();
    // The handler may settle after we answered ETIMEDOUT; its outcome must never surface as an unhandled rejection.
    work.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort(new DeadlineExceeded());
        reject(new DeadlineExceeded());
      }, deadlineMs);
    });
    try {
      const result = await Promise.race([work, deadline]);
      if (this.options.debug) this.trace(op, where, started, 'ok');
      return result;
    } catch (error) {
      const fsError = this.toFsError(op, where, deadlineMs, error);
      if (this.options.debug) this.trace(op, where, started, fsError.code);
      throw fsError;
    } finally {
      clearTimeout(timer);
    }
  }

  private toFsError(op: FuseOp, where: () => string, deadlineMs: number, error: unknown): FsError {
    if (error instanceof FsError) return error;
    if (error instanceof DeadlineExceeded) {
      this.logger.warn(DEADLINE_MESSAGE(op, where(), deadlineMs));
      return FsError.timedOut();
    }
    this.logger.error(HANDLER_FAILED_MESSAGE(op, where(), error));
    return FsError.io();
  }

  private trace(op: FuseOp, where: () => string, started: number, outcome: string): void {
    const ms = (performance.now() - started).toFixed(2);
    this.logger.debug(`${op} ${where()} → ${outcome} in ${ms} ms`);
  }
}
