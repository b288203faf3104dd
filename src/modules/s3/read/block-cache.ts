/** The largest single allocation of block memory; a larger cache takes the rest block by block. */
const MAX_SLAB_BYTES = 1024 ** 3;

/** A block being fetched, and how many readers wait for it (each gets it pinned). */
interface InFlight {
  block: Promise<Buffer>;
  waiters: number;
}

/**
 * A least-recently-used cache of object blocks, capped in bytes, shared by every open file of a mount. Blocks are
 * keyed by object key, ETag and index, so two versions of an object never mix. Concurrent requests for one block
 * share a single fetch.
 *
 * The memory of evicted blocks of `recycleSize` bytes is reused for the next fetch instead of being left to the
 * garbage collector: streaming 1 GiB otherwise allocated 1 GiB of buffers, and V8 answered that with about a hundred
 * full collections per GiB that took half the daemon's CPU. A reader pins the blocks it copies from, so a block's
 * memory is never reused while someone still reads it.
 */
export class BlockCache {
  private readonly blocks = new Map<string, Buffer>();
  private readonly inflight = new Map<string, InFlight>();
  private readonly pins = new Map<Buffer, number>();
  /** Evicted while pinned: reused once the last reader lets go. */
  private readonly retired = new Set<Buffer>();
  private readonly spare: Buffer[] = [];
  /**
   * Memory for blocks of `recycleSize`, taken in one piece when the first is needed. V8 starts a full collection for
   * every ~64 MiB of new buffer memory, so filling the cache block by block cost 8–10 of them during a mount's first
   * large read (1 with the slab; 11 % more throughput). Its slots are never left to the garbage collector, which
   * could not free part of it: evicted, they wait in `freeSlots`.
   */
  private slab?: Buffer;
  private slabUsed = 0;
  private readonly freeSlots: Buffer[] = [];
  private bytes = 0;
  /** Bytes of read-ahead on its way: they count against the cap from the moment they are requested. */
  private reserved = 0;
  /**
   * Since the cache was made: reads answered from cached blocks, reads that waited for S3 (a block, or the exact range
   * of a random read, which is not cached), blocks evicted for room, and bytes of read-ahead requested.
   */
  readonly counts = { hits: 0, misses: 0, evictions: 0, readAheadBytes: 0 };

  constructor(
    private readonly capacityBytes: number,
    private readonly recycleSize = 0,
  ) {}

  get size(): number {
    return this.bytes;
  }

  /** For a block of `recycleSize`: a free slot of the slab, or spare memory of an evicted block; else a new buffer. */
  allocate(size: number): Buffer {
    if (size !== this.recycleSize || size === 0) return Buffer.allocUnsafe(size);
    return this.freeSlots.pop() ?? this.spare.pop() ?? this.carve() ?? Buffer.allocUnsafe(size);
  }

  /** A slab slot never handed out before, while the slab (at most the cap, and at most 1 GiB) has one. */
  private carve(): Buffer | undefined {
    this.slab ??= Buffer.allocUnsafeSlow(Math.floor(Math.min(this.capacityBytes, MAX_SLAB_BYTES) / this.recycleSize) * this.recycleSize);
    if (this.slabUsed + this.recycleSize > this.slab.length) return undefined;
    const slot = this.slab.subarray(this.slabUsed, this.slabUsed + this.recycleSize);
    this.slabUsed += this.recycleSize;
    return slot;
  }

  get(id: string): Buffer | undefined {
    const block = this.blocks.get(id);
    if (block) {
      this.blocks.delete(id);
      this.blocks.set(id, block);
    }
    return block;
  }

  has(id: string): boolean {
    return this.blocks.has(id) || this.inflight.has(id);
  }

  /**
   * The cached block, or the result of one shared `fetch` for it (cached when it succeeds), pinned: its memory stays
   * this caller's until `unpin(block)`.
   */
  acquire(id: string, fetch: () => Promise<Buffer>): Promise<Buffer> {
    const cached = this.get(id);
    if (cached) {
      this.counts.hits += 1;
      this.pin(cached);
      return Promise.resolve(cached);
    }
    this.counts.misses += 1;
    const pending = this.inflight.get(id) ?? this.track(id, fetch());
    // Pinned by track() the moment it arrives, before any other fetch can make room by evicting it.
    pending.waiters += 1;
    return pending.block;
  }

  unpin(block: Buffer): void {
    const count = this.pins.get(block) ?? 0;
    if (count > 1) return void this.pins.set(block, count - 1);
    this.pins.delete(block);
    if (this.retired.delete(block)) this.recycle(block);
  }

  /**
   * Fetches several blocks with one request: `fetch` resolves with them in the order of `ids`. Until it settles,
   * each id counts as in flight, so readers wait for it instead of fetching again.
   */
  fetchGroup(ids: string[], bytes: number, fetch: () => Promise<Buffer[]>): Promise<void> {
    // Room is made before the request, so the cache and what is in flight together stay within the cap.
    this.counts.readAheadBytes += bytes;
    this.reserved += bytes;
    this.evictToFit();
    const group = fetch().finally(() => {
      this.reserved -= bytes;
      this.spare.length = Math.min(this.spare.length, Math.floor(this.reserved / (this.recycleSize || 1)));
    });
    ids.forEach((id, index) => {
      // A failed read-ahead surfaces only to a reader that waits for the block, never as an unhandled rejection.
      this.track(
        id,
        group.then((blocks) => blocks[index]),
      ).block.catch(() => undefined);
    });
    return group.then(() => undefined);
  }

  /** `id` is in flight until `block` settles; then it is cached and pinned for its waiters, or forgotten on failure. */
  private track(id: string, block: Promise<Buffer>): InFlight {
    const entry: InFlight = {
      waiters: 0,
      block: block.then(
        (value) => {
          this.inflight.delete(id);
          for (let i = 0; i < entry.waiters; i++) this.pin(value);
          this.put(id, value);
          return value;
        },
        (error: unknown) => {
          this.inflight.delete(id);
          throw error;
        },
      ),
    };
    this.inflight.set(id, entry);
    return entry;
  }

  put(id: string, block: Buffer): void {
    if (block.length > this.capacityBytes) return;
    const old = this.blocks.get(id);
    if (old) this.drop(id, old);
    this.blocks.set(id, block);
    this.bytes += block.length;
    this.evictToFit();
  }

  private evictToFit(): void {
    for (const [oldest, value] of this.blocks) {
      if (this.bytes + this.reserved <= this.capacityBytes) break;
      this.counts.evictions += 1;
      this.drop(oldest, value);
    }
  }

  /** Drops every block of `key` (all versions), after the object was rewritten. */
  evictObject(key: string): void {
    const marker = `|${key}|`;
    for (const [id, block] of this.blocks) {
      if (id.includes(marker)) this.drop(id, block);
    }
  }

  private drop(id: string, block: Buffer): void {
    this.blocks.delete(id);
    this.bytes -= block.length;
    if (this.pins.has(block)) this.retired.add(block);
    else this.recycle(block);
  }

  private pin(block: Buffer): void {
    this.pins.set(block, (this.pins.get(block) ?? 0) + 1);
  }

  /**
   * Keeps the block's memory for reuse while read-ahead on its way still needs memory, so cached, in-flight and spare
   * blocks together stay within the cap; the rest is left to the garbage collector.
   */
  private recycle(block: Buffer): void {
    if (this.slab !== undefined && block.buffer === this.slab.buffer) return void this.freeSlots.push(block);
    if (block.length === this.recycleSize && (this.spare.length + 1) * this.recycleSize <= this.reserved) this.spare.push(block);
  }
}

/** Bytes of read-ahead in flight across all open files; read-ahead that does not fit is skipped, never queued. */
export class PrefetchBudget {
  private used = 0;

  constructor(private readonly capacityBytes: number) {}

  tryTake(bytes: number): boolean {
    if (this.used + bytes > this.capacityBytes) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  get inUse(): number {
    return this.used;
  }
}
