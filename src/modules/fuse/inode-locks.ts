import type { Ino } from './interfaces/file-attr.interface';

export type LockMode = 'shared' | 'exclusive';

export interface LockRequest {
  ino: Ino;
  mode: LockMode;
}

interface Waiter {
  mode: LockMode;
  grant: () => void;
}

/** A fair (FIFO) readers/writer lock: a reader arriving behind a waiting writer waits for it. */
class ReadersWriterLock {
  /** Number of readers holding the lock, or -1 while a writer holds it. */
  private holders = 0;
  private readonly queue: Waiter[] = [];

  /** Takes the lock if that needs no waiting (free, and nobody queued ahead); false otherwise. */
  tryTake(mode: LockMode): boolean {
    if (this.queue.length !== 0 || !this.compatible(mode)) return false;
    this.take(mode);
    return true;
  }

  acquire(mode: LockMode, signal: AbortSignal): Promise<void> {
    if (this.tryTake(mode)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        mode,
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const index = this.queue.indexOf(waiter);
        if (index >= 0) this.queue.splice(index, 1);
        this.pump();
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  release(mode: LockMode): void {
    if (mode === 'exclusive') this.holders = 0;
    else this.holders -= 1;
    this.pump();
  }

  get idle(): boolean {
    return this.holders === 0 && this.queue.length === 0;
  }

  private compatible(mode: LockMode): boolean {
    return mode === 'shared' ? this.holders >= 0 : this.holders === 0;
  }

  private take(mode: LockMode): void {
    this.holders = mode === 'exclusive' ? -1 : this.holders + 1;
  }

  private pump(): void {
    while (this.queue.length > 0 && this.compatible(this.queue[0].mode)) {
      const waiter = this.queue.shift() as Waiter;
      this.take(waiter.mode);
      waiter.grant();
    }
  }
}

/**
 * Per-inode readers/writer locks. Several inodes are always taken in ascending inode order, so two ops that lock the
 * same pair (rename, link) cannot deadlock.
 */
export class InodeLocks {
  private readonly locks = new Map<Ino, ReadersWriterLock>();

  /**
   * Takes every requested lock at once when none needs waiting, and returns their release function; otherwise takes
   * nothing and returns undefined. The common, uncontended case then costs no promise and no abort signal.
   */
  tryAcquire(requests: readonly LockRequest[]): (() => void) | undefined {
    const ordered = requests.length === 1 ? requests : normalize(requests);
    let taken = 0;
    for (; taken < ordered.length; taken++) {
      if (!this.lockOf(ordered[taken].ino).tryTake(ordered[taken].mode)) break;
    }
    if (taken === ordered.length) return this.releaser(ordered);
    // The busy inode's lock is held, so it stays; the ones taken so far are given back.
    this.releaser(ordered.slice(0, taken))();
    return undefined;
  }

  /** Resolves with a release function once every requested lock is held; rejects if `signal` aborts first. */
  async acquire(requests: readonly LockRequest[], signal: AbortSignal): Promise<() => void> {
    const ordered = normalize(requests);
    const held: LockRequest[] = [];
    try {
      for (const request of ordered) {
        signal.throwIfAborted();
        await this.lockOf(request.ino).acquire(request.mode, signal);
        held.push(request);
      }
    } catch (error) {
      this.releaser(held)();
      throw error;
    }
    return this.releaser(held);
  }

  /** Releases `held` in reverse order, once however often it is called. */
  private releaser(held: readonly LockRequest[]): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (let i = held.length - 1; i >= 0; i--) this.releaseOne(held[i]);
    };
  }

  /** How many inodes currently have a lock object; idle locks are dropped, so this stays small. */
  get size(): number {
    return this.locks.size;
  }

  private lockOf(ino: Ino): ReadersWriterLock {
    let lock = this.locks.get(ino);
    if (!lock) {
      lock = new ReadersWriterLock();
      this.locks.set(ino, lock);
    }
    return lock;
  }

  private releaseOne(request: LockRequest): void {
    const lock = this.locks.get(request.ino);
    if (!lock) return;
    lock.release(request.mode);
    if (lock.idle) this.locks.delete(request.ino);
  }
}

/** One request per inode (exclusive wins), sorted by inode. */
function normalize(requests: readonly LockRequest[]): LockRequest[] {
  const byIno = new Map<Ino, LockMode>();
  for (const { ino, mode } of requests) {
    if (byIno.get(ino) !== 'exclusive') byIno.set(ino, mode);
  }
  return [...byIno.entries()].sort(([a], [b]) => a - b).map(([ino, mode]) => ({ ino, mode }));
}
