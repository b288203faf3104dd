import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { readObject, S3Server } from '../../../../test/e2e/support/s3-server';
import { S3ObjectStore } from './s3-object.store';

const MiB = 1024 * 1024;

describe('S3ObjectStore against s3rver', () => {
  let server: S3Server;
  let client: S3Client;
  let store: S3ObjectStore;
  const data = randomBytes(12 * MiB + 7);

  beforeAll(async () => {
    server = await S3Server.start();
    await server.createBucket('store');
    client = server.client();
    await client.send(new PutObjectCommand({ Bucket: 'store', Key: 'big', Body: data, Metadata: { mode: '33152' } }));
    // A low threshold stands in for S3's 5 GiB: the same code path copies objects over 5 GiB on AWS.
    store = new S3ObjectStore(server.client(), 'store', new Logger('test'), {
      multipartCopyThreshold: 6 * MiB,
      partSize: 5 * MiB,
      concurrency: 2,
      readAttempts: 2,
    });
  });

  afterAll(async () => {
    client?.destroy();
    store?.client.destroy();
    await server?.destroy();
  });

  const get = (key: string): Promise<Buffer> => readObject(client, 'store', key);

  it('receives a range straight into separate pieces, each its own buffer', async () => {
    const start = MiB + 3;
    const end = 4 * MiB + 10;
    const pieces = await store.getRangeInPieces({ key: 'big', start, end, etag: undefined, pieceSize: MiB, allocate: Buffer.allocUnsafe });
    expect(pieces.map((piece) => piece.length)).toEqual([MiB, MiB, MiB, 8]);
    expect(Buffer.concat(pieces).equals(data.subarray(start, end + 1))).toBe(true);
    // A cached block must not keep its neighbours' memory alive.
    expect(new Set(pieces.map((piece) => piece.buffer)).size).toBe(pieces.length);
  });

  it('copies an object above the threshold part by part, keeping its metadata', async () => {
    await store.copy('big', 'copy', undefined, data.length);
    expect((await get('copy')).equals(data)).toBe(true);
    const head = await client.send(new HeadObjectCommand({ Bucket: 'store', Key: 'copy' }));
    expect(head.Metadata?.mode).toBe('33152');
  });

  it('replaces the metadata in a multipart copy when asked', async () => {
    await store.copy('big', 'big', { mode: '33261' }, data.length);
    expect((await get('big')).equals(data)).toBe(true);
    const head = await client.send(new HeadObjectCommand({ Bucket: 'store', Key: 'big' }));
    expect(head.Metadata?.mode).toBe('33261');
  });

  it('copies a small object in one request', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'store', Key: 'small', Body: 'tiny' }));
    await store.copy('small', 'small-copy', undefined, 4);
    expect((await get('small-copy')).toString()).toBe('tiny');
  });

  it('lists recursively and by directory', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'store', Key: 'd/a/b.txt', Body: 'x' }));
    expect((await store.list('d/')).prefixes).toEqual(['d/a/']);
    expect((await store.listRecursive('d/')).objects.map((o) => o.key)).toEqual(['d/a/b.txt']);
    expect(await store.firstKeyBelow('d/')).toBe('d/a/b.txt');
    expect(await store.firstKeyBelow('nothing/')).toBeUndefined();
  });
});
