import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readObject, S3Server } from '../../../../test/e2e/support/s3-server';
import { ObjectWriter } from './object-writer';
import { resolveS3Options } from '../s3-module-options.interface';
import { S3ObjectStore } from '../store/s3-object.store';

const MiB = 1024 * 1024;

/** The real store against s3rver, recording which upload calls the writer makes. */
class RecordingStore extends S3ObjectStore {
  calls: string[] = [];
  override async put(...args: Parameters<S3ObjectStore['put']>): Promise<string> {
    this.calls.push('put');
    return super.put(...args);
  }
  /** The memory each part was sent from. */
  partMemory: ArrayBufferLike[] = [];
  override async uploadPart(...args: Parameters<S3ObjectStore['uploadPart']>) {
    this.calls.push(`part ${args[2]}`);
    this.partMemory.push(args[3].buffer);
    return super.uploadPart(...args);
  }
  override async completeMultipart(...args: Parameters<S3ObjectStore['completeMultipart']>): Promise<string> {
    this.calls.push('complete');
    return super.completeMultipart(...args);
  }
}

describe('ObjectWriter against s3rver', () => {
  const logger = new Logger('test');
  let server: S3Server;
  let client: S3Client;
  let store: RecordingStore;
  let staging: string;

  beforeAll(async () => {
    server = await S3Server.start();
    await server.createBucket('writer');
    client = server.client();
    store = new RecordingStore(server.client(), 'writer', logger);
    staging = await mkdtemp(join(tmpdir(), 'nestjs-fuse-staging-'));
  });

  afterAll(async () => {
    client?.destroy();
    store?.client.destroy();
    await server?.destroy();
    await rm(staging, { recursive: true, force: true });
  });

  beforeEach(() => {
    store.calls = [];
  });

  const options = () =>
    resolveS3Options({ bucket: 'writer', partSize: 5 * MiB, uploadConcurrency: 2, stagingDir: staging, stagingMaxBytes: 32 * MiB });
  const get = (key: string): Promise<Buffer> => readObject(client, 'writer', key);
  const absent = (key: string): Promise<boolean> =>
    client.send(new HeadObjectCommand({ Bucket: 'writer', Key: key })).then(
      () => false,
      () => true,
    );

  it('uploads a small file with one PUT, and only on commit', async () => {
    const writer = ObjectWriter.empty(store, options(), 'small', {}, logger);
    await writer.write(0, Buffer.from('hello '));
    await writer.write(6, Buffer.from('world'));
    expect(await absent('small')).toBe(true);
    expect(await writer.commit()).toMatchObject({ size: 11 });
    expect((await get('small')).toString()).toBe('hello world');
    expect(store.calls).toEqual(['put']);
    await writer.discard();
  });

  it('keeps a small file readable and appendable after its PUT: the handle stays open until release', async () => {
    const writer = ObjectWriter.empty(store, options(), 'kept', {}, logger);
    await writer.write(0, Buffer.from('hello '));
    await writer.commit();
    expect((await writer.read(0, 100)).toString()).toBe('hello ');
    await writer.write(6, Buffer.from('world'));
    await writer.commit();
    expect((await get('kept')).toString()).toBe('hello world');
    expect((await writer.read(0, 100)).toString()).toBe('hello world');
    await writer.discard();
  });

  it('streams sequential writes as a multipart upload, visible only when complete', async () => {
    const data = randomBytes(12 * MiB + 5);
    const writer = ObjectWriter.empty(store, options(), 'big', { mode: '33188' }, logger);
    for (let offset = 0; offset < data.length; offset += 128 * 1024) await writer.write(offset, data.subarray(offset, offset + 128 * 1024));
    expect(store.calls.filter((call) => call.startsWith('part')).length).toBeGreaterThanOrEqual(2);
    expect(await absent('big')).toBe(true);
    await writer.commit();
    expect(store.calls.slice(-2)).toEqual(['part 3', 'complete']);
    expect((await get('big')).equals(data)).toBe(true);
    const head = await client.send(new HeadObjectCommand({ Bucket: 'writer', Key: 'big' }));
    expect(head.Metadata?.mode).toBe('33188');
    await writer.discard();
  });

  it('streams writes of odd sizes across part boundaries, rewrites and truncations of the unsent part, and reuses part memory', async () => {
    const model = Buffer.alloc(20 * MiB);
    let size = 0;
    const writer = ObjectWriter.empty(store, options(), 'odd', {}, logger);
    const write = async (offset: number, data: Buffer): Promise<void> => {
      await writer.write(offset, data);
      data.copy(model, offset);
      size = Math.max(size, offset + data.length);
    };
    store.partMemory = [];
    for (let offset = 0; offset < 11 * MiB;) {
      const chunk = randomBytes(100_003);
      await write(offset, chunk);
      offset += chunk.length;
    }
    // Back into the part not yet sent, read back while streaming, then cut short and grown again with zeros.
    await write(size - 1000, Buffer.from('rewritten'));
    expect((await writer.read(size - 1000, 9)).toString()).toBe('rewritten');
    await writer.truncate(size - 500);
    size -= 500;
    await writer.truncate(size + 7 * MiB);
    model.fill(0, size, size + 7 * MiB);
    size += 7 * MiB;
    await write(size, Buffer.from('end'));
    await writer.commit();
    expect((await get('odd')).equals(model.subarray(0, size))).toBe(true);
    // Three full parts with two in flight at a time: the third is filled in the memory of whichever was sent first.
    expect(store.calls.filter((call) => call.startsWith('part')).length).toBe(4);
    expect(store.partMemory.slice(0, 2).includes(store.partMemory[2])).toBe(true);
    await writer.discard();
  });

  it('stages an existing object to append and write at offsets, then uploads it whole', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'writer', Key: 'edit', Body: '0123456789' }));
    const head = await client.send(new HeadObjectCommand({ Bucket: 'writer', Key: 'edit' }));
    const writer = ObjectWriter.existing(store, options(), { key: 'edit', size: 10, etag: head.ETag ?? '' }, {}, logger);
    await writer.write(10, Buffer.from('AB'));
    await writer.write(2, Buffer.from('xy'));
    expect((await writer.read(0, 100)).toString()).toBe('01xy456789AB');
    // Staged through an unlinked file: a daemon killed now would leave nothing behind in the staging dir.
    expect(await readdir(staging)).toEqual([]);
    await writer.truncate(11);
    await writer.commit();
    expect((await get('edit')).toString()).toBe('01xy456789A');
    await writer.discard();
    expect(await readdir(staging)).toEqual([]);
  });

  it('stages an existing object once for concurrent first reads, and none of them reads it half downloaded', async () => {
    const content = randomBytes(12 * MiB + 17);
    await client.send(new PutObjectCommand({ Bucket: 'writer', Key: 'shared-read', Body: content }));
    const head = await client.send(new HeadObjectCommand({ Bucket: 'writer', Key: 'shared-read' }));
    const writer = ObjectWriter.existing(store, options(), { key: 'shared-read', size: content.length, etag: head.ETag ?? '' }, {}, logger);
    try {
      const offsets = [0, 3 * MiB, 6 * MiB, 11 * MiB, 12 * MiB];
      const reads = await Promise.all(offsets.map((offset) => writer.read(offset, 128 * 1024)));
      reads.forEach((data, i) => expect(data.equals(content.subarray(offsets[i], offsets[i] + 128 * 1024))).toBe(true));
    } finally {
      await writer.discard();
    }
  });

  it('stages again from the start after a failed download, rather than keep a half-staged copy', async () => {
    const content = randomBytes(12 * MiB);
    await client.send(new PutObjectCommand({ Bucket: 'writer', Key: 'retry-stage', Body: content }));
    const head = await client.send(new HeadObjectCommand({ Bucket: 'writer', Key: 'retry-stage' }));
    const failing = new (class extends S3ObjectStore {
      failures = 1;
      override async getRange(...args: Parameters<S3ObjectStore['getRange']>): Promise<Buffer> {
        // The second range of the first attempt fails, after the first has been written to the staging file.
        if (args[1] > 0 && this.failures-- > 0) throw new Error('connection reset');
        return super.getRange(...args);
      }
    })(server.client(), 'writer', logger);
    const writer = ObjectWriter.existing(failing, options(), { key: 'retry-stage', size: content.length, etag: head.ETag ?? '' }, {}, logger);
    try {
      await expect(writer.read(0, 16)).rejects.toThrow('connection reset');
      await writer.write(0, Buffer.from('edited'));
      await writer.commit();
      expect((await get('retry-stage')).equals(Buffer.concat([Buffer.from('edited'), content.subarray(6)]))).toBe(true);
    } finally {
      await writer.discard();
      failing.client.destroy();
    }
  });

  it('switches a new file to staging when a write goes back before anything was uploaded', async () => {
    const writer = ObjectWriter.empty(store, options(), 'seek', {}, logger);
    await writer.write(0, Buffer.from('aaaa'));
    await writer.write(10, Buffer.from('z'));
    await writer.write(1, Buffer.from('B'));
    await writer.commit();
    expect(await get('seek')).toEqual(Buffer.from('aBaa\0\0\0\0\0\0z'));
    await writer.discard();
  });

  it('moves to staging once for writes past the end at the same time, losing none of them', async () => {
    const writer = ObjectWriter.empty(store, options(), 'together', {}, logger);
    await writer.write(0, Buffer.from('aaaa'));
    // Past the end, each leaves a gap: a streaming upload cannot take either.
    await Promise.all([writer.write(6, Buffer.from('B')), writer.write(8, Buffer.from('C'))]);
    await writer.commit();
    expect(await get('together')).toEqual(Buffer.from('aaaa\0\0B\0C'));
    await writer.discard();
  });

  it('refuses for good a write before bytes already sent as parts (S3 cannot rewrite them), and uploads nothing', async () => {
    jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    const writer = ObjectWriter.empty(store, options(), 'went-back', {}, logger);
    try {
      await writer.write(0, randomBytes(6 * MiB));
      await expect(writer.write(0, Buffer.from('x'))).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(writer.write(6 * MiB, Buffer.from('y'))).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(writer.commit()).rejects.toMatchObject({ code: 'EINVAL' });
    } finally {
      await writer.discard();
      jest.restoreAllMocks();
    }
    expect(await absent('went-back')).toBe(true);
  });

  it('changes a file uploaded in parts from the version it uploaded, staged', async () => {
    const first = randomBytes(6 * MiB);
    const writer = ObjectWriter.empty(store, options(), 'parts-then-staged', {}, logger);
    await writer.write(0, first);
    await writer.commit();
    expect(store.calls).toEqual(['part 1', 'part 2', 'complete']);
    await writer.write(1, Buffer.from('Z'));
    expect(await writer.read(0, 3)).toEqual(Buffer.from([first[0], 0x5a, first[2]]));
    await writer.commit();
    const expected = Buffer.from(first);
    expected[1] = 0x5a;
    expect((await get('parts-then-staged')).equals(expected)).toBe(true);
    await writer.discard();
  });

  it('refuses to grow a staged file past the staging cap with EFBIG', async () => {
    const writer = ObjectWriter.empty(store, { ...options(), stagingMaxBytes: MiB }, 'capped', {}, logger);
    await writer.write(0, Buffer.from('x'));
    await expect(writer.write(2 * MiB, Buffer.from('y'))).rejects.toMatchObject({ code: 'EFBIG' });
    await writer.discard();
  });

  it('fails commit with EIO when the server is gone, and leaves no object', async () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const writer = ObjectWriter.empty(store, { ...options(), maxAttempts: 1 }, 'lost', {}, logger);
    jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    await writer.write(0, Buffer.from('data'));
    await server.stop();
    try {
      await expect(writer.commit()).rejects.toMatchObject({ code: 'EIO' });
      await expect(writer.write(4, Buffer.from('more'))).rejects.toMatchObject({ code: 'EIO' });
    } finally {
      await server.restart();
      jest.restoreAllMocks();
    }
    expect(await absent('lost')).toBe(true);
    await writer.discard();
  });
});
