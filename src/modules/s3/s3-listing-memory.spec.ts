import { Test, TestingModule } from '@nestjs/testing';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { S3Server } from '../../../test/e2e/support/s3-server';
import { FilesystemSession, FuseFilesystemRegistry, FuseModule, Ino, ROOT_INO } from '../fuse';
import { S3Module } from './s3.module';
import { S3_STORE } from './s3.constants';
import type { S3ObjectStore } from './store/s3-object.store';

const NAMES = 200_000;
const BUCKET = 'listing-memory';

/**
 * What a mount keeps per listed name, through the handlers the transports call: once the directory is closed and the
 * kernel forgot the names, none of it may stay (the state of a mount follows what the kernel holds, not what it ever
 * listed). The bucket's listing is made up page by page: s3rver cannot list this many keys in a unit test.
 */
describe('S3 listing memory', () => {
  let server: S3Server;
  let moduleRef: TestingModule;
  let s3: FilesystemSession;

  beforeAll(async () => {
    server = await S3Server.start();
    await server.createBucket(BUCKET);
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    moduleRef = await Test.createTestingModule({
      // No metadata cache (it keeps up to 200,000 paths for --metadata-ttl by design), nor the session's name and
      // attribute caches (a second by default, swept every 50,000 insertions): what is left is per-name state.
      imports: [
        S3Module.forRoot({ bucket: BUCKET, endpoint: server.endpoint, forcePathStyle: true, metadataTtlMs: 0 }),
        FuseModule.forRoot({ entryTtlMs: 0, attrTtlMs: 0 }),
      ],
    }).compile();
    await moduleRef.init();
    s3 = moduleRef.get(FuseFilesystemRegistry).get('s3');
    const store = moduleRef.get<S3ObjectStore>(S3_STORE);
    store.list = async (_prefix: string, token?: string) => {
      const page = Number(token ?? 0);
      const objects = Array.from({ length: 1000 }, (_, i) => ({
        key: `f${String(page * 1000 + i).padStart(7, '0')}`,
        size: 11,
        mtime: new Date(1_700_000_000_000),
        etag: `"${(page * 1000 + i).toString(16).padStart(32, '0')}"`,
      }));
      return { objects, prefixes: [], nextToken: (page + 1) * 1000 < NAMES ? String(page + 1) : undefined };
    };
  });

  afterAll(async () => {
    await moduleRef?.close();
    await server?.destroy();
  });

  it(`keeps nothing per name of a ${NAMES.toLocaleString('en')}-name listing once it is closed and its names forgotten`, async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    const fh = await s3.opendir(ROOT_INO, 0);
    const inos: Ino[] = [];
    for (let offset = 0; ;) {
      const entries = await s3.readdir(ROOT_INO, fh, offset);
      if (entries.length === 0) break;
      for (const entry of entries) inos.push(entry.ino);
      offset = entries[entries.length - 1].offset;
    }
    gc();
    const listing = process.memoryUsage().heapUsed - before;
    await s3.releasedir(ROOT_INO, fh);
    for (const ino of inos) await s3.forget(ino);
    // Past the grace time a forgotten inode is kept for (a lookup racing its FORGET may still take it back).
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await s3.forget(ROOT_INO);
    gc();
    const left = process.memoryUsage().heapUsed - before;
    expect(inos.length).toBe(NAMES);
    // The inode numbers and paths (~170 bytes a name) and the listing's names (~150) would be ~60 MB.
    expect(left).toBeLessThan(8 * 1024 * 1024);
    console.log(`${NAMES} names: heap +${(listing / 2 ** 20).toFixed(0)} MiB while open, +${(left / 2 ** 20).toFixed(1)} MiB after`);
  }, 60_000);
});
