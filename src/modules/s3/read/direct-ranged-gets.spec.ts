import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { S3Server } from '../../../../test/e2e/support/s3-server';
import { DirectRangedGets, FastRangeResult } from './direct-ranged-gets';
import { S3ObjectStore } from '../store/s3-object.store';
import { objectPath, resolveObjectUrlBase } from '../store/s3-object-url';

const MiB = 1024 * 1024;
const allocate = (size: number): Buffer => Buffer.allocUnsafe(size);

function piecesOf(result: FastRangeResult): Buffer[] {
  if (!('pieces' in result)) throw new Error(`fell back: ${result.fallBack}`);
  return result.pieces;
}

/** The path the SDK itself sends for a GetObject of `key` (the command is stopped before anything is sent). */
async function sdkPath(client: S3Client, bucket: string, key: string): Promise<string> {
  const command = new GetObjectCommand({ Bucket: bucket, Key: key });
  let path = '';
  command.middlewareStack.add(
    () => async (args) => {
      path = (args.request as { path: string }).path;
      throw new Error('stop');
    },
    { step: 'build', priority: 'low' },
  );
  await client.send(command).catch(() => undefined);
  return path;
}

describe('DirectRangedGets against s3rver', () => {
  const logger = new Logger('test');
  const data = randomBytes(5 * MiB + 11);
  let server: S3Server;
  let client: S3Client;
  let etag: string;
  let gets: DirectRangedGets;

  beforeAll(async () => {
    server = await S3Server.start();
    await server.createBucket('fast');
    client = server.client();
    etag = (await client.send(new PutObjectCommand({ Bucket: 'fast', Key: 'dir/data bin+ü', Body: data }))).ETag ?? '';
    gets = new DirectRangedGets(client, 'fast', { requestTimeoutMs: 5_000, maxConnections: 4 }, logger);
  });

  afterAll(async () => {
    gets?.destroy();
    client?.destroy();
    await server?.destroy();
  });

  it('encodes keys exactly as the SDK does, for the URL the SDK resolves', async () => {
    const base = await resolveObjectUrlBase(client, 'fast');
    expect(base).toMatchObject({ protocol: 'http:', hostname: '127.0.0.1', port: server.port, host: `127.0.0.1:${server.port}` });
    for (const key of ['plain', 'a b/c+d', "!'()*~%#?&=;:@$,", 'ünï/文件/🙂', 'trailing/', '/leading', 'a//b']) {
      expect(objectPath(base, key)).toBe(await sdkPath(client, 'fast', key));
    }
  });

  it('reads ranges byte for byte into pieces of the size asked for, clamped at the end of the object', async () => {
    const pieces = piecesOf(await gets.get({ key: 'dir/data bin+ü', start: 3, end: 2 * MiB + 5, etag: etag, pieceSize: MiB, allocate }));
    expect(pieces.map((piece) => piece.length)).toEqual([MiB, MiB, 3]);
    expect(Buffer.concat(pieces).equals(data.subarray(3, 2 * MiB + 6))).toBe(true);
    const tail = piecesOf(
      await gets.get({ key: 'dir/data bin+ü', start: data.length - 4, end: data.length + 100, etag: undefined, pieceSize: MiB, allocate }),
    );
    expect(Buffer.concat(tail).equals(data.subarray(data.length - 4))).toBe(true);
    // Many small reads, four at a time, reuse the kept-alive connections without mixing answers up.
    for (let batch = 0; batch < 10; batch++) {
      const offsets = [0, 1, 2, 3].map((i) => (batch * 4 + i) * 1000);
      const reads = await Promise.all(
        offsets.map((offset) => gets.get({ key: 'dir/data bin+ü', start: offset, end: offset + 4095, etag: etag, pieceSize: MiB, allocate })),
      );
      reads.forEach((read, i) => expect(Buffer.concat(piecesOf(read)).equals(data.subarray(offsets[i], offsets[i] + 4096))).toBe(true));
    }
  });

  it('leaves anything but the plain success to the SDK: a missing key, another version, every connection busy', async () => {
    expect(await gets.get({ key: 'missing', start: 0, end: 10, etag: undefined, pieceSize: MiB, allocate })).toEqual({
      fallBack: 'response refused (HTTP 404)',
      refused: false,
    });
    expect(await gets.get({ key: 'dir/data bin+ü', start: 0, end: 10, etag: '"another-version"', pieceSize: MiB, allocate })).toMatchObject({
      fallBack: expect.stringMatching(/refused/),
    });
    const busy = await Promise.all(
      Array.from({ length: 6 }, () => gets.get({ key: 'dir/data bin+ü', start: 0, end: 4 * MiB, etag: etag, pieceSize: MiB, allocate })),
    );
    expect(busy.filter((result) => 'fallBack' in result && result.fallBack === 'every connection is busy').length).toBe(2);
    expect(busy.filter((result) => 'pieces' in result).length).toBe(4);
  });

  it('sends again on a new connection when a kept-alive one went stale, e.g. the server restarted', async () => {
    piecesOf(await gets.get({ key: 'dir/data bin+ü', start: 0, end: 99, etag: etag, pieceSize: MiB, allocate }));
    await server.stop();
    await server.restart();
    expect(
      Buffer.concat(piecesOf(await gets.get({ key: 'dir/data bin+ü', start: 0, end: 99, etag: etag, pieceSize: MiB, allocate }))).equals(
        data.subarray(0, 100),
      ),
    ).toBe(true);
  });

  it('turns itself off when S3 refuses its signature but the SDK gets through, not on a denial both get', async () => {
    const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const unknownKey = new S3Client({
      endpoint: server.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'UNKNOWN', secretAccessKey: 'S3RVER' },
    });
    const refusedGets = (): DirectRangedGets => new DirectRangedGets(unknownKey, 'fast', { requestTimeoutMs: 5_000, maxConnections: 4 }, logger);
    const denied = refusedGets();
    const refused = refusedGets();
    try {
      expect(await refused.get({ key: 'dir/data bin+ü', start: 0, end: 9, etag: undefined, pieceSize: MiB, allocate })).toMatchObject({
        refused: true,
        fallBack: expect.stringMatching(/HTTP 403/),
      });
      // Denied on both ways (here: an unknown key for the SDK too): a plain access denial, the direct path stays on.
      const deniedStore = new S3ObjectStore(unknownKey, 'fast', logger, undefined, denied);
      await expect(deniedStore.getRange('dir/data bin+ü', 0, 9)).rejects.toMatchObject({ code: 'EACCES' });
      expect(await denied.get({ key: 'dir/data bin+ü', start: 0, end: 9, etag: undefined, pieceSize: MiB, allocate })).toMatchObject({
        refused: true,
      });
      // Refused here but fine through the SDK: this path's signature is what S3 refuses, so it turns itself off.
      const store = new S3ObjectStore(client, 'fast', logger, undefined, refused);
      expect((await store.getRange('dir/data bin+ü', 0, 9)).equals(data.subarray(0, 10))).toBe(true);
      expect(await refused.get({ key: 'dir/data bin+ü', start: 0, end: 9, etag: undefined, pieceSize: MiB, allocate })).toEqual({
        fallBack: 'disabled',
      });
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/Reading through the SDK from now on/));
      await expect(store.getRange('missing', 0, 9)).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      denied.destroy();
      refused.destroy();
      unknownKey.destroy();
      warn.mockRestore();
    }
  });
});
