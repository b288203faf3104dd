import { Logger } from '@nestjs/common';
import type { BlockCache, PrefetchBudget } from './block-cache';
import type { S3ObjectStore } from '../store/s3-object.store';

export const BLOCK_SIZE = 1024 * 1024;
/** Random reads are fetched on this alignment, so a 4 KiB read costs at most a few KiB more. */
const RANDOM_ALIGN = 4096;
/** Read-ahead fetches runs of up to this many blocks per request: 8 MiB ranges cost an eighth of the requests. */
const GROUP_BLOCKS = 8;
const MAX_PREFETCH_REQUESTS = 8;
/** How far a read may land from where the previous one ended and still count as continuing it (at most 4 reads). */
const REORDER_SLACK = 512 * 1024;
/** Reads in a row that must continue each other before the reader switches to blocks and read-ahead. */
const SEQUENTIAL_STREAK = 3;

export interface PinnedObject {
  key: string;
  etag: string;
  size: number;
}

/**
 * Reads one opened version of an object (pinned by ETag: a changed object fails with ESTALE rather than mixing two
 * versions). Sequential access goes through the shared block cache with an adaptive read-ahead window that doubles
 * while reads stay sequential and collapses on a jump; random access fetches only the bytes asked for.
 */
export class ObjectReader {
  private nextOffset = 0;
  private windowBlocks = 1;
  /** Consecutive reads that continued where the previous one ended. */
  private streak = 0;
  private readonly maxWindowBlocks: number;
  private readonly idPrefix: string;
  /** Blocks below this index were already fetched or requested by read-ahead: the next scan starts here. */
  private prefetchedTo = 0;

  constructor(
    private readonly store: S3ObjectStore,
    private readonly cache: BlockCache,
    private readonly budget: PrefetchBudget,
    readonly object: PinnedObject,
    prefetchWindowBytes: number,
    private readonly logger: Logger,
  ) {
    this.maxWindowBlocks = Math.max(1, Math.floor(prefetchWindowBytes / BLOCK_SIZE));
    this.idPrefix = `${object.etag}|${object.key}|`;
  }

  /** Up to `size` bytes at `offset`, copied into `into` when given (it must hold `size` bytes). */
  async read(offset: number, size: number, into?: Buffer): Promise<Buffer> {
    const end = Math.min(offset + size, this.object.size);
    if (offset >= end) return Buffer.alloc(0);
    // The kernel has several reads of a stream in flight and they arrive out of order: a read a little ahead of or
    // behind where the last one ended still continues the stream. Taking only exact continuations as sequential
    // collapsed the read-ahead window on every reordering (200 MB/s instead of 450).
    // The slack scales with the read size, so small random reads that happen to land close together stay random.
    const sequential = Math.abs(offset - this.nextOffset) <= Math.min(REORDER_SLACK, 4 * size);
    this.nextOffset = sequential ? Math.max(this.nextOffset, end) : end;
    this.streak = sequential ? this.streak + 1 : 0;
    const first = Math.floor(offset / BLOCK_SIZE);
    const last = Math.floor((end - 1) / BLOCK_SIZE);
    // Blocks and read-ahead only once access has stayed sequential for a few reads: a short read at a random offset
    // (which the kernel may split in two) fetches just its bytes.
    if (this.streak < SEQUENTIAL_STREAK) {
      this.windowBlocks = 1;
      this.prefetchedTo = 0;
      if (!this.cachedRange(first, last)) return this.fetchExact(offset, end);
    } else {
      this.windowBlocks = Math.min(this.maxWindowBlocks, this.windowBlocks * 2);
      this.prefetch(last + 1, last + this.windowBlocks);
    }
    return this.copyFromBlocks(first, last, offset, end, into ?? Buffer.allocUnsafe(end - offset));
  }

  /** Copies out of the cached blocks while they are pinned: once unpinned, their memory may hold another block. */
  private async copyFromBlocks(first: number, last: number, offset: number, end: number, into: Buffer): Promise<Buffer> {
    const settled = await Promise.allSettled(range(first, last).map((index) => this.block(index)));
    try {
      let copied = 0;
      for (const [i, outcome] of settled.entries()) {
        if (outcome.status === 'rejected') throw outcome.reason;
        const blockStart = (first + i) * BLOCK_SIZE;
        copied += outcome.value.copy(into, copied, Math.max(0, offset - blockStart), Math.min(BLOCK_SIZE, end - blockStart));
      }
      return into.subarray(0, copied);
    } finally {
      for (const outcome of settled) if (outcome.status === 'fulfilled') this.cache.unpin(outcome.value);
    }
  }

  private cachedRange(first: number, last: number): boolean {
    return range(first, last).every((index) => this.cache.has(this.blockId(index)));
  }

  private block(index: number): Promise<Buffer> {
    return this.cache.acquire(this.blockId(index), () => {
      const start = index * BLOCK_SIZE;
      const end = Math.min(start + BLOCK_SIZE, this.object.size) - 1;
      return this.store.getRange(this.object.key, start, end, this.object.etag, this.allocate);
    });
  }

  private prefetch(from: number, to: number): void {
    const lastBlock = Math.floor((this.object.size - 1) / BLOCK_SIZE);
    const limit = Math.min(to, lastBlock);
    let started = 0;
    // Scanning the whole window on every 128 KiB read cost more CPU than the requests themselves.
    let index = Math.max(from, this.prefetchedTo);
    // The window slides a block at a time; wait until a whole group fits, so each request fetches GROUP_BLOCKS.
    if (limit - index + 1 < GROUP_BLOCKS && to < lastBlock && index > from) return;
    while (index <= limit && started < MAX_PREFETCH_REQUESTS) {
      if (this.cache.has(this.blockId(index))) {
        index += 1;
        continue;
      }
      let end = index;
      while (end + 1 <= limit && end + 1 - index < GROUP_BLOCKS && !this.cache.has(this.blockId(end + 1))) end += 1;
      const start = index * BLOCK_SIZE;
      const stop = Math.min((end + 1) * BLOCK_SIZE, this.object.size);
      if (!this.budget.tryTake(stop - start)) break;
      started += 1;
      const ids = range(index, end).map((block) => this.blockId(block));
      this.cache
        .fetchGroup(ids, stop - start, () =>
          this.store.getRangeInPieces({
            key: this.object.key,
            start,
            end: stop - 1,
            etag: this.object.etag,
            pieceSize: BLOCK_SIZE,
            allocate: this.allocate,
          }),
        )
        .catch((error: unknown) =>
          this.logger.debug(`read-ahead of ${this.object.key} bytes ${start}-${stop - 1} failed: ${(error as Error).message}`),
        )
        .finally(() => this.budget.give(stop - start));
      index = end + 1;
    }
    this.prefetchedTo = index;
  }

  private fetchExact(offset: number, end: number): Promise<Buffer> {
    this.cache.counts.misses += 1;
    const start = Math.floor(offset / RANDOM_ALIGN) * RANDOM_ALIGN;
    const stop = Math.min(Math.ceil(end / RANDOM_ALIGN) * RANDOM_ALIGN, this.object.size);
    return this.store.getRange(this.object.key, start, stop - 1, this.object.etag).then((data) => data.subarray(offset - start, end - start));
  }

  private readonly allocate = (size: number): Buffer => this.cache.allocate(size);

  private blockId(index: number): string {
    return this.idPrefix + index;
  }
}

function range(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}
