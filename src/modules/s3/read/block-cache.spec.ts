import { BlockCache, PrefetchBudget } from './block-cache';

describe('BlockCache', () => {
  it('evicts the least recently used blocks to stay within its byte cap', () => {
    const cache = new BlockCache(30);
    cache.put('a', Buffer.alloc(10));
    cache.put('b', Buffer.alloc(10));
    cache.put('c', Buffer.alloc(10));
    cache.get('a');
    cache.put('d', Buffer.alloc(10));
    expect(cache.has('a')).toBe(true);
    expect(cache.has('b')).toBe(false);
    expect(cache.size).toBe(30);
  });

  it('counts read-ahead in flight against the cap, making room before the request', async () => {
    const cache = new BlockCache(40);
    for (const id of ['a', 'b', 'c', 'd']) cache.put(id, Buffer.alloc(10));
    let arrive: (blocks: Buffer[]) => void = () => undefined;
    const group = cache.fetchGroup(['e', 'f'], 20, () => new Promise((resolve) => (arrive = resolve)));
    // Before a byte has arrived, the two oldest blocks are gone: cached + in flight ≤ the cap.
    expect(['a', 'b', 'c', 'd'].map((id) => cache.has(id))).toEqual([false, false, true, true]);
    expect(cache.has('e')).toBe(true);
    arrive([Buffer.alloc(10, 1), Buffer.alloc(10, 2)]);
    await group;
    expect(cache.size).toBe(40);
    expect(cache.get('f')?.[0]).toBe(2);
  });

  it('shares one fetch between concurrent requests for a block, and does not cache failures', async () => {
    const cache = new BlockCache(100);
    let fetches = 0;
    const fetch = async (): Promise<Buffer> => {
      fetches += 1;
      return Buffer.from('data');
    };
    const [a, b] = await Promise.all([cache.acquire('k', fetch), cache.acquire('k', fetch)]);
    expect(a).toBe(b);
    expect(fetches).toBe(1);
    await expect(cache.acquire('bad', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(cache.has('bad')).toBe(false);
  });

  /** A read-ahead of one block of 10 bytes, filled with `value`, into memory from the cache. */
  const readAhead = (cache: BlockCache, id: string, value: number): Promise<Buffer> => {
    let block: Buffer = Buffer.alloc(0);
    return cache
      .fetchGroup([id], 10, async () => {
        block = cache.allocate(10).fill(value);
        return [block];
      })
      .then(() => block);
  };

  it('fetches read-ahead into the memory of the blocks it evicted to make room', async () => {
    const cache = new BlockCache(20, 10);
    const first = await readAhead(cache, 'a', 1);
    await readAhead(cache, 'b', 2);
    expect(await readAhead(cache, 'c', 3)).toBe(first);
    expect(cache.get('c')?.[0]).toBe(3);
  });

  it('takes block memory from one slab the size of the cap, and reuses every slot of it', async () => {
    const cache = new BlockCache(30, 10);
    const blocks = [await readAhead(cache, 'a', 1), await readAhead(cache, 'b', 2), await readAhead(cache, 'c', 3)];
    expect(new Set(blocks.map((block) => block.buffer)).size).toBe(1);
    expect(blocks[0].buffer.byteLength).toBe(30);
    expect(blocks.map((block) => block[0])).toEqual([1, 2, 3]);
    // Evicted with no read-ahead waiting for memory, a slab slot is still kept (the collector could not free it)…
    for (const id of ['d', 'e', 'f']) cache.put(id, Buffer.alloc(10));
    expect(['a', 'b', 'c'].map((id) => cache.has(id))).toEqual([false, false, false]);
    const reused = [cache.allocate(10), cache.allocate(10), cache.allocate(10)];
    expect(new Set(reused)).toEqual(new Set(blocks));
    // …and only once every slot is in use does a block get memory of its own.
    expect(cache.allocate(10).buffer).not.toBe(blocks[0].buffer);
    expect(cache.allocate(4).buffer).not.toBe(blocks[0].buffer);
  });

  it('leaves an evicted block of its own memory to the garbage collector unless read-ahead waits for memory', () => {
    const cache = new BlockCache(20, 10);
    const own = Buffer.alloc(10);
    cache.put('a', own);
    cache.put('b', Buffer.alloc(10));
    cache.put('c', Buffer.alloc(10));
    expect(cache.has('a')).toBe(false);
    expect(cache.allocate(10)).not.toBe(own);
  });

  it('never reuses the memory of a block a reader still holds, cached or arriving', async () => {
    const cache = new BlockCache(10, 10);
    let arrive: (block: Buffer) => void = () => undefined;
    const arriving = cache.acquire('a', () => new Promise((resolve) => (arrive = resolve)));
    const sameBlock = cache.acquire('a', () => Promise.reject(new Error('fetched twice')));
    const block = Buffer.alloc(10, 7);
    arrive(block);
    expect(await arriving).toBe(block);
    expect(await sameBlock).toBe(block);
    // Evicted while two readers hold it: its memory is not reused until both let go.
    expect(await readAhead(cache, 'b', 2)).not.toBe(block);
    expect(cache.has('a')).toBe(false);
    cache.unpin(block);
    cache.unpin(block);
    const pinned = await cache.acquire('b', () => Promise.reject(new Error('not cached')));
    expect(await readAhead(cache, 'c', 3)).not.toBe(pinned);
    expect(pinned[0]).toBe(2);
  });

  it('evicts every version of one object', () => {
    const cache = new BlockCache(100);
    cache.put('"e1"|dir/a|0', Buffer.alloc(5));
    cache.put('"e2"|dir/a|1', Buffer.alloc(5));
    cache.put('"e1"|dir/ab|0', Buffer.alloc(5));
    cache.evictObject('dir/a');
    expect(cache.size).toBe(5);
    expect(cache.has('"e1"|dir/ab|0')).toBe(true);
  });
});

describe('PrefetchBudget', () => {
  it('refuses read-ahead beyond its cap until bytes are given back', () => {
    const budget = new PrefetchBudget(10);
    expect(budget.tryTake(6)).toBe(true);
    expect(budget.tryTake(6)).toBe(false);
    budget.give(6);
    expect(budget.tryTake(10)).toBe(true);
  });
});
