/**
 * A least-recently-used cache of object blocks, capped in bytes, shared by every open file of a mount. Blocks are
 * keyed by object key, ETag and index, so two versions of an object never mix. Concurrent requests for one block
 * share a single fetch.
 */
export class BlockCache {
  private readonly blocks = new Map<string, Buffer>();
  private readonly inflight = new Map<string, Promise<Buffer>>();
  private bytes = 0;
  /** Bytes of read-ahead on its way: they count against the cap from the moment they are requested. */
  private reserved = 0;

  constructor(private readonly capacityBytes: number) {}

  get size(): number {
    return this.bytes;
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

  /** The cached block, or the result of one shared `fetch` for it (cached when it succeeds). */
  getOrFetch(id: string, fetch: () => Promise<Buffer>): Promise<Buffer> {
    const cached = this.get(id);
    if (cached) return Promise.resolve(cached);
    return this.inflight.get(id) ?? this.track(id, fetch());
  }

  /**
   * Fetches several blocks with one request: `fetch` resolves with them in the order of `ids`. Until it settles,
   * each id counts as in flight, so readers wait for it instead of fetching again.
   */
  fetchGroup(ids: string[], bytes: number, fetch: () => Promise<Buffer[]>): Promise<void> {
    // Room is made before the request, so the cache and what is in flight together stay within the cap.
    this.reserved += bytes;
    this.evictToFit();
    const group = fetch().finally(() => {
      this.reserved -= bytes;
    });
    ids.forEach((id, index) => {
      // A failed read-ahead surfaces only to a reader that waits for the block, never as an unhandled rejection.
      this.track(id, group.then((blocks) => blocks[index])).catch(() => undefined);
    });
    return group.then(() => undefined);
  }

  /** `id` is in flight until `block` settles; then it is cached, or forgotten if the fetch failed. */
  private track(id: string, block: Promise<Buffer>): Promise<Buffer> {
    const pending = block.then(
      (value) => {
        this.inflight.delete(id);
        this.put(id, value);
        return value;
      },
      (error: unknown) => {
        this.inflight.delete(id);
        throw error;
      },
    );
    this.inflight.set(id, pending);
    return pending;
  }

  put(id: string, block: Buffer): void {
    if (block.length > this.capacityBytes) return;
    const old = this.blocks.get(id);
    if (old) {
      this.bytes -= old.length;
      this.blocks.delete(id);
    }
    this.blocks.set(id, block);
    this.bytes += block.length;
    this.evictToFit();
  }

  private evictToFit(): void {
    for (const [oldest, value] of this.blocks) {
      if (this.bytes + this.reserved <= this.capacityBytes) break;
      this.blocks.delete(oldest);
      this.bytes -= value.length;
    }
  }

  /** Drops every block of `key` (all versions), after the object was rewritten. */
  evictObject(key: string): void {
    const marker = `|${key}|`;
    for (const [id, block] of this.blocks) {
      if (id.includes(marker)) {
        this.blocks.delete(id);
        this.bytes -= block.length;
      }
    }
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
