import { Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { DeadlineTimer } from './deadline-timer';
import { FsError } from './errors/fs-error';
import { DEFAULT_DEADLINE_MS, FuseOp } from './fuse.constants';
import { DEADLINE_MESSAGE, HANDLER_FAILED_MESSAGE } from './fuse.messages';
import type { InodeLocks, LockRequest } from './inode-locks';
import type { FuseModuleOptions } from './interfaces/fuse-module-options.interface';

class DeadlineExceeded extends Error {}

/** Called once per op: with the error it failed with, or with `undefined` and its value. */
export type Settle<T> = (error: FsError | undefined, value?: T) => void;

/**
 * Runs one handler call the way every op must run: after taking its inode locks, within its deadline, with every
 * failure turned into an {@link FsError}. Whatever a handler does, the promise this returns settles.
 */
export class OpInvoker {
  private readonly timer = new DeadlineTimer();
  /** Each op's deadline, worked out once: the options object is the application's, of any shape. */
  private readonly deadlines = new Map<FuseOp, number>();
  /** Whether every handler call is logged at debug level (the `debug` option; the CLI toggles it on SIGUSR2). */
  tracing: boolean;

  constructor(
    private readonly locks: InodeLocks,
    private readonly options: Pick<FuseModuleOptions, 'deadlineMs' | 'debug'>,
    private readonly logger: Logger,
  ) {
    this.tracing = options.debug === true;
  }

  deadlineFor(op: FuseOp): number {
    let ms = this.deadlines.get(op);
    if (ms === undefined) {
      const deadline = this.options.deadlineMs;
      ms = typeof deadline === 'number' ? deadline : (deadline?.[op] ?? deadline?.default ?? DEFAULT_DEADLINE_MS);
      this.deadlines.set(op, ms);
    }
    return ms;
  }

  /**
   * `where` names the handler and its arguments for log lines. Locks are held until the handler settles, even past
   * the deadline: a late write must not overtake the next op on the same inode.
   */
  run<T>(op: FuseOp, where: () => string, locks: readonly LockRequest[], call: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) =>
      this.dispatch(op, where, locks, call, (error, value) => (error ? reject(error) : resolve(value as T))),
    );
  }

  /**
   * {@link run} in callback form, for the read path, where every promise between the handler and the kernel is a
   * microtask per request: `done` is called exactly once, with an FsError or the handler's value. The uncontended
   * case takes its locks synchronously and allocates no abort signal.
   */
  dispatch<T>(op: FuseOp, where: () => string, locks: readonly LockRequest[], call: () => Promise<T>, done: Settle<T>): void {
    const deadlineMs = this.deadlineFor(op);
    const tracing = this.tracing;
    const started = tracing ? performance.now() : 0;
    let answered = false;
    let waitingForLocks: AbortController | undefined;
    const answer = (error: unknown, value?: T): void => {
      if (answered) return;
      answered = true;
      this.timer.cancel(deadline);
      if (error === undefined) {
        if (tracing) this.trace(op, where, started, 'ok');
        done(undefined, value);
        return;
      }
      const fsError = this.toFsError(op, where, deadlineMs, error);
      if (tracing) this.trace(op, where, started, fsError.code);
      done(fsError);
    };
    const deadline = this.timer.add(deadlineMs, () => {
      waitingForLocks?.abort(new DeadlineExceeded());
      answer(new DeadlineExceeded());
    });
    const start = (release: () => void): void => {
      if (answered) return release();
      let work: Promise<T>;
      try {
        // A handler written without async may return a plain value; a native promise passes through as it is.
        work = Promise.resolve(call());
      } catch (error) {
        work = Promise.reject(error);
      }
      // A handler that settles after we answered ETIMEDOUT is ignored here, never an unhandled rejection.
      work.then(
        (value) => {
          release();
          answer(undefined, value);
        },
        (error: unknown) => {
          release();
          answer(error ?? new Error('handler rejected with no reason'));
        },
      );
    };
    const release = this.locks.tryAcquire(locks);
    if (release) return start(release);
    waitingForLocks = new AbortController();
    this.locks.acquire(locks, waitingForLocks.signal).then(start, (error: unknown) => answer(error));
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
