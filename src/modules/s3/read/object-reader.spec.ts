import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { S3Server } from '../../../../test/e2e/support/s3-server';
import { BlockCache, PrefetchBudget } from './block-cache';
import { BLOCK_SIZE, ObjectReader } from './object-reader';
import { S3ObjectStore } from '../store/s3-object.store';

/** What a store's client sent: GET requests, the bytes their ranges asked for, and the most asked for at once. */
class GetCounter {
  requests = 0;
  bytes = 0;
  largest = 0;
  inFlight = 0;
  mostInFlight = 0;

  reset(): void {
    Object.assign(this, { requests: 0, bytes: 0, largest: 0, inFlight: 0, mostInFlight: 0 });
  }

  /** Counts every GetObject at the SDK's first middleware step, whichever store method sent it. */
  attach(store: S3ObjectStore): void {
    store.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'GetObjectCommand') return next(args);
        const [start, end] = ((args.input as { Range?: string }).Range ?? '').replace('bytes=', '').split('-').map(Number);
        const bytes = end - start + 1;
        this.requests += 1;
        this.bytes += bytes;
        this.largest = Math.max(this.largest, bytes);
        this.mostInFlight = Math.max(this.mostInFlight, (this.inFlight += bytes));
        try {
          return await next(args);
        } finally {
          this.inFlight -= bytes;
        }
      },
      { step: 'initialize', name: 'countGets' },
    );
  }
}

describe('ObjectReader against s3rver', () => {
  const SIZE = 24 * BLOCK_SIZE + 123;
  const data = randomBytes(SIZE);
  const logger = new Logger('test');
  let server: S3Server;
  let store: S3ObjectStore;
  const gets = new GetCounter();
  let etag: string;

  beforeAll(async () => {
    server = await S3Server.start();
    await server.createBucket('reader');
    const client = server.client();
    const out = await client.send(new PutObjectCommand({ Bucket: 'reader', Key: 'obj', Body: data }));
    etag = out.ETag ?? '';
    client?.destroy();
    store = new S3ObjectStore(server.client(), 'reader', logger);
    gets.attach(store);
  });

  afterAll(async () => {
    store?.client.destroy();
    await server?.destroy();
  });

  const reader = (cache = new BlockCache(64 * BLOCK_SIZE), budget = new PrefetchBudget(64 * BLOCK_SIZE)) =>
    new ObjectReader(store, cache, budget, { key: 'obj', etag, size: SIZE }, 16 * BLOCK_SIZE, logger);

  it('reads sequentially byte for byte, with read-ahead that grows', async () => {
    const r = reader();
    gets.reset();
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < SIZE; offset += 128 * 1024) chunks.push(await r.read(offset, 128 * 1024));
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    // The first reads fetch just their bytes (not yet known to be sequential); after that read-ahead fetches runs of
    // blocks in single requests, and no byte is fetched twice.
    expect(gets.requests).toBeLessThan(Math.ceil(SIZE / BLOCK_SIZE) * 0.7);
    expect(gets.bytes).toBeLessThanOrEqual(SIZE + 3 * 128 * 1024);
  });

  it('streams byte for byte through a small cache whose block memory is reused, with reads overlapping', async () => {
    const cache = new BlockCache(10 * BLOCK_SIZE, BLOCK_SIZE);
    const r = reader(cache, new PrefetchBudget(10 * BLOCK_SIZE));
    const read = 128 * 1024;
    const offsets = Array.from({ length: Math.ceil(SIZE / read) }, (_, i) => i * read);
    const reused = new Set<Buffer>();
    const allocate = cache.allocate.bind(cache);
    cache.allocate = (size) => {
      const block = allocate(size);
      reused.add(block);
      return block;
    };
    // Like the kernel: several reads of the stream in flight at once, each into its own request buffer.
    for (let i = 0; i < offsets.length; i += 4) {
      const batch = offsets.slice(i, i + 4);
      const results = await Promise.all(batch.map((offset) => r.read(offset, read, Buffer.alloc(read))));
      results.forEach((chunk, j) => expect(chunk.equals(data.subarray(batch[j], batch[j] + read))).toBe(true));
    }
    // 24 MiB went through a 10 MiB cache: blocks were fetched into the memory of evicted ones.
    expect(reused.size).toBeLessThan(24);
  });

  it('fetches only about what a random read asks for (at most 8× for 4 KiB)', async () => {
    const r = reader();
    gets.reset();
    const offsets = [5_000_000, 77_777, 20_000_123, 13_131_313, 999];
    for (const offset of offsets) expect((await r.read(offset, 4096)).equals(data.subarray(offset, offset + 4096))).toBe(true);
    expect(gets.requests).toBe(offsets.length);
    expect(gets.bytes).toBeLessThanOrEqual(offsets.length * 4096 * 8);
  });

  it('returns short reads at the end and nothing past it', async () => {
    const r = reader();
    expect((await r.read(SIZE - 10, 100)).equals(data.subarray(SIZE - 10))).toBe(true);
    expect((await r.read(SIZE + 10, 100)).length).toBe(0);
  });

  it('keeps read-ahead within the shared budget', async () => {
    const r = reader(new BlockCache(64 * BLOCK_SIZE), new PrefetchBudget(2 * BLOCK_SIZE));
    gets.reset();
    // Long enough for the window to grow to 16 blocks: without the budget, read-ahead asks for 8 MiB at a time.
    for (let offset = 0; offset < 8 * BLOCK_SIZE; offset += 128 * 1024) await r.read(offset, 128 * 1024);
    expect(gets.largest).toBeGreaterThan(BLOCK_SIZE);
    // Read-ahead's two blocks, and the block a read waits for.
    expect(gets.mostInFlight).toBeLessThanOrEqual(3 * BLOCK_SIZE);
  });

  it('fails with ESTALE when the object changed since it was opened', async () => {
    const r = new ObjectReader(
      store,
      new BlockCache(BLOCK_SIZE * 4),
      new PrefetchBudget(0),
      { key: 'obj', etag: '"not-the-etag"', size: SIZE },
      BLOCK_SIZE,
      logger,
    );
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await expect(r.read(0, 10)).rejects.toMatchObject({ code: 'ESTALE' });
    jest.restoreAllMocks();
  });
});
