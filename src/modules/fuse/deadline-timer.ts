import { performance } from 'node:perf_hooks';

/** One op's deadline, cancelled when the op settles first. */
export interface Deadline {
  readonly at: number;
}

interface Entry extends Deadline {
  readonly ms: number;
  readonly expire: () => void;
  prev?: Entry;
  next?: Entry;
  live: boolean;
}

/** Deadlines of one length, oldest first: with a monotonic clock that is also the order they expire in. */
class DeadlineQueue {
  head?: Entry;
  tail?: Entry;

  push(entry: Entry): void {
    entry.prev = this.tail;
    if (this.tail) this.tail.next = entry;
    else this.head = entry;
    this.tail = entry;
  }

  remove(entry: Entry): void {
    if (entry.prev) entry.prev.next = entry.next;
    else this.head = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else this.tail = entry.prev;
    entry.prev = entry.next = undefined;
  }
}

/** Node may run a timer up to a millisecond before performance.now() says it is due. */
const CLOCK_SLACK_MS = 1;

/**
 * Every op's deadline on one Node timer. A timer per request — created, then cleared a few hundred microseconds
 * later — cost more than the rest of a read's JavaScript: Node builds and tears down a timer list each time when
 * requests come one after another. Here adding and cancelling a deadline only link and unlink it in a queue per
 * length; the one timer is armed for the earliest deadline and re-armed only when it fires or an earlier one comes.
 * It keeps the process alive only while some deadline is pending, like the per-request timers did.
 */
export class DeadlineTimer {
  private readonly queues = new Map<number, DeadlineQueue>();
  private timer?: NodeJS.Timeout;
  private armedFor = Infinity;
  private pending = 0;

  /** Calls `expire` once `ms` have passed, unless {@link cancel} came first. */
  add(ms: number, expire: () => void): Deadline {
    // Every field set here, so linking it in never changes the object's shape.
    const entry: Entry = { at: performance.now() + ms, ms, expire, prev: undefined, next: undefined, live: true };
    let queue = this.queues.get(ms);
    if (!queue) {
      queue = new DeadlineQueue();
      this.queues.set(ms, queue);
    }
    queue.push(entry);
    if (this.pending++ === 0) this.timer?.ref();
    if (entry.at < this.armedFor) this.arm(entry.at);
    return entry;
  }

  /** Forgets `deadline`; cancelling one that expired or was cancelled already does nothing. */
  cancel(deadline: Deadline): void {
    const entry = deadline as Entry;
    if (!entry.live) return;
    entry.live = false;
    this.queues.get(entry.ms)?.remove(entry);
    if (--this.pending === 0) this.timer?.unref();
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, Math.ceil(at - performance.now())));
    if (this.pending === 0) this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const due = performance.now() + CLOCK_SLACK_MS;
    const expired: Entry[] = [];
    let next = Infinity;
    for (const queue of this.queues.values()) {
      while (queue.head && queue.head.at <= due) {
        expired.push(queue.head);
        this.cancel(queue.head);
      }
      if (queue.head) next = Math.min(next, queue.head.at);
    }
    if (next !== Infinity) this.arm(next);
    for (const entry of expired) entry.expire();
  }
}
