import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import { FsError } from '../../fuse';
import type { ResolvedS3Options } from '../s3-module-options.interface';
import type { S3ObjectStore } from '../store/s3-object.store';
import { mapWithConcurrency } from '../store/with-concurrency';
import { offsetsOf } from './part-offsets';
import type { UploadTarget } from './upload-target';

/** A local copy of the object being changed: an unlinked file, used through its descriptor. */
interface Staging {
  path: string;
  handle: fs.FileHandle;
}

/** What the staging file looked like when the writer last knew its content (size, and times to the nanosecond). */
interface StagingStamp {
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/** An object version to stage from: its content is downloaded into the staging file at the first need. */
export interface StagingSource {
  key: string;
  size: number;
  etag: string;
}

/**
 * The content of a file in a local staging file, for writes at any offset: the object it started from is downloaded
 * whole at the first need, and the upload reads the file back (one PUT, or a multipart upload for a large one). The
 * staging file's descriptor can be handed to the kernel (passthrough), which then writes it directly.
 */
export class StagedContent {
  /**
   * The staging file, set up once: reads run concurrently, and each must wait for the one download of the object
   * (a second download into a second file once made a read return a half-written file's zeros).
   */
  private staging?: Promise<Staging>;
  private length: number;
  /**
   * Set once the staging file's descriptor was handed out (passthrough): the kernel then writes it without a write
   * call reaching this writer, so its size and whether it changed are read from the file, against this stamp.
   */
  private shared?: { handle: fs.FileHandle; stamp: StagingStamp };
  private sharing?: Promise<number>;

  /** `source`: the object to stage from; without one, the content starts empty (and {@link seed} may fill it). */
  constructor(
    private readonly store: S3ObjectStore,
    private readonly options: ResolvedS3Options,
    private readonly target: UploadTarget,
    private readonly logger: Logger,
    private source?: StagingSource,
  ) {
    this.length = source?.size ?? 0;
  }

  /** The content's size, as of the last {@link refresh} once the kernel writes the staging file itself. */
  get size(): number {
    return this.length;
  }

  /** Whether the staging file's descriptor was asked for ({@link share}): every open must then name it. */
  get shares(): boolean {
    return this.sharing !== undefined;
  }

  /** Stages `content` as the whole file: the bytes a streaming upload held when a write went back into them. */
  async seed(content: Buffer): Promise<void> {
    this.length = content.length;
    const staging = await this.ensureStaged();
    await staging.handle.write(content, 0, content.length, 0);
  }

  async write(offset: number, data: Buffer): Promise<void> {
    if (offset + data.length > this.options.stagingMaxBytes) {
      throw FsError.tooBig(`${this.target.key}: writing beyond ${this.options.stagingMaxBytes} bytes needs a larger staging cap`);
    }
    const staging = await this.ensureStaged();
    await staging.handle.write(data, 0, data.length, offset);
    this.length = Math.max(this.length, offset + data.length);
  }

  async truncate(size: number): Promise<void> {
    const staging = await this.ensureStaged();
    await staging.handle.truncate(size);
    this.length = size;
  }

  async read(offset: number, end: number): Promise<Buffer> {
    const staging = await this.ensureStaged();
    const buffer = Buffer.alloc(end - offset);
    const { bytesRead } = await staging.handle.read(buffer, 0, buffer.length, offset);
    return buffer.subarray(0, bytesRead);
  }

  /**
   * The descriptor of the staging file (read-write), the object staged whole, for the kernel to serve the file's reads
   * and writes from (passthrough). Every call answers the one staging.
   */
  share(): Promise<number> {
    this.sharing ??= (async () => {
      const staging = await this.ensureStaged();
      this.shared = { handle: staging.handle, stamp: stampOf(await staging.handle.stat({ bigint: true })) };
      return staging.handle.fd;
    })();
    return this.sharing;
  }

  /**
   * Once the staging file was shared, the kernel writes it without a write call reaching this writer: a change of its
   * size or times since the last stamp means it changed. Answers when it last changed, if it changed since.
   */
  async refresh(): Promise<Date | undefined> {
    const shared = this.shared;
    if (!shared) return undefined;
    const stamp = stampOf(await shared.handle.stat({ bigint: true }));
    if (this.shared !== shared || sameStamp(stamp, shared.stamp)) return undefined;
    shared.stamp = stamp;
    this.length = Number(stamp.size);
    return new Date(Number(stamp.mtimeNs / 1_000_000n));
  }

  /** Uploads the staged content; the object holds it when this resolves. */
  async upload(): Promise<string> {
    const staging = await this.ensureStaged();
    if (this.shared) await this.restamp(staging);
    const { key, metadata } = this.target;
    if (this.length <= this.options.partSize) {
      const body = Buffer.alloc(this.length);
      await staging.handle.read(body, 0, body.length, 0);
      return this.store.put(key, body, metadata, body.length);
    }
    const uploadId = await this.store.createMultipart(key, metadata);
    try {
      const parts = await mapWithConcurrency(offsetsOf(this.length, this.options.partSize), this.options.uploadConcurrency, async (offset, index) => {
        const body = Buffer.alloc(Math.min(this.options.partSize, this.length - offset));
        await staging.handle.read(body, 0, body.length, offset);
        return this.store.uploadPart(key, uploadId, index + 1, body);
      });
      return await this.store.completeMultipart(key, uploadId, parts);
    } catch (error) {
      await this.store.abortMultipart(key, uploadId);
      throw error;
    }
  }

  /** Closes the staging file (already unlinked: nothing is left on disk). */
  async discard(): Promise<void> {
    const staging = await this.staging?.catch(() => undefined);
    this.staging = undefined;
    this.shared = undefined;
    if (staging) {
      await staging.handle.close().catch(() => undefined);
      await fs.rm(staging.path, { force: true });
    }
  }

  private ensureStaged(): Promise<Staging> {
    this.staging ??= this.stage().catch((error: unknown) => {
      this.staging = undefined;
      throw error;
    });
    return this.staging;
  }

  private async stage(): Promise<Staging> {
    if (this.length > this.options.stagingMaxBytes) {
      this.logger.error(
        `${this.target.key} is ${this.length} bytes, over the staging cap of ${this.options.stagingMaxBytes}: cannot change it in place`,
      );
      throw FsError.tooBig(`${this.target.key} is larger than the staging cap`);
    }
    await fs.mkdir(this.options.stagingDir, { recursive: true, mode: 0o700 });
    const path = join(this.options.stagingDir, `${randomUUID()}.part`);
    const handle = await fs.open(path, 'w+', 0o600);
    // Unlinked at once and used through its descriptor: a daemon that is killed leaves nothing in the staging dir.
    await fs.rm(path, { force: true });
    if (this.source) {
      // A failed download leaves nothing half staged: the next attempt starts over in a new file.
      await this.download(this.source, handle).catch(async (error: unknown) => {
        await handle.close().catch(() => undefined);
        throw error;
      });
    }
    return { path, handle };
  }

  private async download(source: StagingSource, handle: fs.FileHandle): Promise<void> {
    const chunk = this.options.partSize;
    await mapWithConcurrency(offsetsOf(source.size, chunk), this.options.uploadConcurrency, async (offset) => {
      const data = await this.store.getRange(source.key, offset, Math.min(source.size, offset + chunk) - 1, source.etag);
      await handle.write(data, 0, data.length, offset);
    });
    this.source = undefined;
  }

  /**
   * Before an upload reads the staging file: a new stamp, so a write after it shows as a change. Writing the file's
   * dirty pages back first makes the next write through a shared mapping fault again — and that fault, like every
   * write(2), gives the file a new ctime (fine-grained, since the stamp asked for it: see staging-change-detection).
   */
  private async restamp(staging: Staging): Promise<void> {
    await staging.handle.datasync();
    const stamp = stampOf(await staging.handle.stat({ bigint: true }));
    if (this.shared) this.shared.stamp = stamp;
    this.length = Number(stamp.size);
  }
}

function stampOf(stats: { size: bigint; mtimeNs: bigint; ctimeNs: bigint }): StagingStamp {
  return { size: stats.size, mtimeNs: stats.mtimeNs, ctimeNs: stats.ctimeNs };
}

function sameStamp(a: StagingStamp, b: StagingStamp): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}
