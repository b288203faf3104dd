import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaultProxy } from './fault-proxy';
import { readObject, S3Server } from './s3-server';

/**
 * What an S3 e2e spec starts from: s3rver with one bucket, a client of it, a proxy in front (to count, record or
 * fail requests; mounts use `proxy.endpoint`), and a work directory holding an empty mountpoint `mnt`.
 */
export class S3Fixture {
  private constructor(
    readonly bucket: string,
    readonly server: S3Server,
    readonly client: S3Client,
    readonly proxy: FaultProxy,
    readonly work: string,
    readonly mnt: string,
  ) {}

  /** `name` tells the work directory apart in /tmp; `faultSeed` seeds the proxy's choice of faults to inject. */
  static async start(bucket: string, name: string, faultSeed?: number): Promise<S3Fixture> {
    const server = await S3Server.start();
    await server.createBucket(bucket);
    const work = await fs.mkdtemp(join(tmpdir(), `nestjs-fuse-${name}-`));
    const mnt = join(work, 'mnt');
    await fs.mkdir(mnt);
    return new S3Fixture(bucket, server, server.client(), await FaultProxy.start(server.endpoint, faultSeed), work, mnt);
  }

  put(key: string, body: string | Buffer): Promise<unknown> {
    const data = Buffer.from(body);
    // With its length given, the SDK does not take an empty body for a stream of unknown length (and warn).
    return this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: data, ContentLength: data.length }));
  }

  read(key: string): Promise<Buffer> {
    return readObject(this.client, this.bucket, key);
  }

  /** For afterAll, after the spec's mounts are stopped. */
  async stop(): Promise<void> {
    await this.proxy.stop();
    this.client.destroy();
    await this.server.destroy();
    await fs.rm(this.work, { recursive: true, force: true });
  }
}
