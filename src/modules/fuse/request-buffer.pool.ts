import { FsError } from './errors/fs-error';

/** libfuse 2 sends at most 128 KiB per read or write request (max_read, big_writes). */
const DEFAULT_POOLED_SIZE = 128 * 1024;
const MAX_FREE = 64;

/**
 * Buffers for read and write requests, reused instead of allocated per request. A 1 GiB transfer is 8,192 requests;
 * a fresh buffer for each made V8 run a full garbage collection every ~10 MiB (it counts buffer memory as pressure),
 * which took a fifth of the daemon's time and halved its throughput. A buffer goes back only once its handler has
 * settled; one abandoned by a deadline is left to the garbage collector, never reused.
 */
export class RequestBufferPool {
  private readonly free: Buffer[] = [];

  /** `pooledSize`: the largest request; larger ones get a buffer of their own. */
  constructor(private readonly pooledSize = DEFAULT_POOLED_SIZE) {}

  take(size: number): Buffer {
    if (size > this.pooledSize) return Buffer.allocUnsafe(size);
    return this.free.pop() ?? Buffer.allocUnsafe(this.pooledSize);
  }

  /** `buffer` back to the pool, its request settled with `error` (if any); unless a deadline abandoned it. */
  give(buffer: Buffer, error?: unknown): void {
    if (abandonedByDeadline(error)) return;
    if (buffer.length === this.pooledSize && this.free.length < MAX_FREE) this.free.push(buffer);
  }
}

/**
 * Whether a request failed because its deadline answered for it: its handler may still be writing into (or reading
 * from) the request's buffer, which must then never be reused.
 */
export function abandonedByDeadline(error: unknown): boolean {
  return error instanceof FsError && error.code === 'ETIMEDOUT';
}
