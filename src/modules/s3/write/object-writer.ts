import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import { FsError } from '../../fuse';
import { encodeMetadata } from '../tree/s3-metadata';
import type { ResolvedS3Options } from '../s3-module-options.interface';
import type { CompletedPart, ObjectMetadata, S3ObjectStore } from '../store/s3-object.store';
import { offsetsOf } from './part-offsets';
import { mapWithConcurrency } from '../store/with-concurrency';

export interface UploadResult {
  etag: string;
  size: number;
}

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

const EMPTY = Buffer.alloc(0);
const ZEROS = Buffer.alloc(1024 * 1024);

type Mode =
  /** Sequential writes from offset 0, streamed as a multipart upload (or one PUT when small). */
  | 'streaming'
  /** The whole file in a local temporary file, for appends and writes at any offset. */
  | 'staged';

/**
 * The pending new content of one object while it is open for writing. Nothing is visible in the bucket until
 * {@link commit} succeeds (a PUT, or a multipart upload completed last), and a failed upload is an error of
 * `flush`/`fsync`/`close`, never silently dropped data.
 */
export class ObjectWriter {
  private mode: Mode = 'streaming';
  /**
   * The part being filled, in streaming mode: bytes `streamed`..`length` of the file at `part[0..filled)`. Writes are
   * copied straight into it; it grows up to the part size, and the buffers of uploaded parts are reused for the next
   * ones (a buffer per write, joined per part, meant two copies and ~100 full garbage collections per GiB).
   */
  private part: Buffer = EMPTY;
  private filled = 0;
  private readonly spareParts: Buffer[] = [];
  /** Bytes already handed to uploaded (or uploading) parts, in streaming mode. */
  private streamed = 0;
  private uploadId?: string;
  private parts: Array<Promise<CompletedPart>> = [];
  private failure?: FsError;
  /**
   * The staging file, set up once: reads run concurrently, and each must wait for the one download of the object
   * (a second download into a second file once made a read return a half-written file's zeros).
   */
  private staging?: Promise<Staging>;
  private length = 0;
  private dirty: boolean;
  /** The object to stage from on the first change, when the writer started from existing content. */
  private source?: { key: string; size: number; etag: string };
  private readonly uploading = new Set<Promise<void>>();
  /**
   * Set once the staging file's descriptor was handed out (passthrough): the kernel then writes it without a write
   * call reaching this writer, so its size and whether it changed are read from the file, against this stamp.
   */
  private shared?: { handle: fs.FileHandle; stamp: StagingStamp };
  private sharing?: Promise<number>;
  /** When the content last changed (a write, a truncate, or a change the staging file shows). */
  private contentChangedAt?: Date;

  private constructor(
    private readonly store: S3ObjectStore,
    private readonly options: ResolvedS3Options,
    private objectKey: string,
    private objectMetadata: ObjectMetadata,
    private readonly logger: Logger,
    dirty: boolean,
  ) {
    this.dirty = dirty;
  }

  /** The key the content is uploaded to. */
  get key(): string {
    return this.objectKey;
  }

  /**
   * The object metadata the upload stores (mode, owner, times, and other tools' keys). A stored modification time
   * (from utimes) gives way to the time of a later change of the content, as a write moves a file's mtime.
   */
  get metadata(): ObjectMetadata {
    if (!this.contentChangedAt || this.objectMetadata.mtime === undefined) return this.objectMetadata;
    return { ...this.objectMetadata, ...encodeMetadata('file', { mtime: this.contentChangedAt }) };
  }

  /** The file was renamed: its content goes to `key` from now on. */
  moveTo(key: string): void {
    this.objectKey = key;
  }

  /** chmod, chown or utimes of the open file: the upload stores `metadata` (merged from {@link metadata}). */
  changeMetadata(metadata: ObjectMetadata): void {
    this.objectMetadata = metadata;
    this.contentChangedAt = undefined;
  }

  /** New, empty content (create, or open with O_TRUNC): uploaded on commit even if nothing is written. */
  static empty(store: S3ObjectStore, options: ResolvedS3Options, key: string, metadata: ObjectMetadata, logger: Logger): ObjectWriter {
    return new ObjectWriter(store, options, key, metadata, logger, true);
  }

  /** The existing object of `size` bytes, staged locally on the first write so it can be changed anywhere. */
  static existing(
    store: S3ObjectStore,
    options: ResolvedS3Options,
    object: { key: string; size: number; etag: string },
    metadata: ObjectMetadata,
    logger: Logger,
  ): ObjectWriter {
    const writer = new ObjectWriter(store, options, object.key, metadata, logger, false);
    writer.length = object.size;
    writer.source = object;
    writer.mode = 'staged';
    return writer;
  }

  /** The content's size, as of the last {@link refresh} where the kernel writes the staging file itself. */
  get size(): number {
    return this.length;
  }

  /** Whether there is something to upload, as of the last {@link refresh} where the kernel writes the staging file. */
  get hasChanges(): boolean {
    return this.dirty;
  }

  /**
   * Once the staging file was handed out ({@link shareStaging}), the kernel writes it without a write call reaching
   * this writer: a change of its size or times since the stamp means it changed, and its size is the file's.
   */
  async refresh(): Promise<void> {
    const shared = this.shared;
    if (!shared) return;
    const stamp = stampOf(await shared.handle.stat({ bigint: true }));
    if (this.shared !== shared || sameStamp(stamp, shared.stamp)) return;
    shared.stamp = stamp;
    this.length = Number(stamp.size);
    this.dirty = true;
    this.contentChangedAt = new Date(Number(stamp.mtimeNs / 1_000_000n));
  }

  /**
   * The existing object staged whole, and the descriptor of its staging file (read-write) for the kernel to serve the
   * file's reads and writes from (passthrough). From then on the writer reads the file's size and changes from it.
   * Only for a writer of existing content ({@link existing}); every call answers the one staging.
   */
  shareStaging(): Promise<number> {
    this.sharing ??= (async () => {
      if (this.mode !== 'staged') throw new Error(`${this.key}: only a staged writer can share its staging file`);
      const staging = await this.ensureStaged();
      this.shared = { handle: staging.handle, stamp: stampOf(await staging.handle.stat({ bigint: true })) };
      return staging.handle.fd;
    })();
    return this.sharing;
  }

  /** Whether {@link shareStaging} was asked for: every open of the file must then name its descriptor. */
  get sharesStaging(): boolean {
    return this.sharing !== undefined;
  }

  async write(offset: number, data: Buffer): Promise<number> {
    if (this.failure) throw this.failure;
    if (this.shared) await this.refresh();
    if (this.mode === 'streaming' && !this.canStream(offset)) await this.switchToStaging();
    if (this.mode === 'streaming') await this.appendStreaming(offset, data);
    else await this.writeStaged(offset, data);
    this.dirty = true;
    this.contentChangedAt = new Date();
    return data.length;
  }

  async truncate(size: number): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.shared) await this.refresh();
    if (this.mode === 'streaming' && size >= this.streamed) {
      if (size < this.length) {
        this.filled = size - this.streamed;
        this.length = size;
      }
      // Growing appends zeros, uploading parts as they fill.
      while (this.length < size) await this.appendStreaming(this.length, ZEROS.subarray(0, Math.min(ZEROS.length, size - this.length)));
    } else {
      await this.switchToStaging();
      const staging = await this.ensureStaged();
      await staging.handle.truncate(size);
      this.length = size;
    }
    this.dirty = true;
    this.contentChangedAt = new Date();
  }

  /** Uploads the content if it changed since the last commit; the object is complete when this resolves. */
  async commit(): Promise<UploadResult | undefined> {
    if (this.failure) throw this.failure;
    if (this.shared) await this.refresh();
    if (!this.dirty) return undefined;
    try {
      const etag = this.mode === 'streaming' ? await this.commitStreaming() : await this.commitStaged();
      this.dirty = false;
      return { etag, size: this.length };
    } catch (error) {
      this.failure = error instanceof FsError ? error : FsError.io(String(error));
      this.store.metrics.uploadFailed();
      this.logger.error(`Upload of ${this.key} failed; the object was not changed and the data written is lost: ${this.failure.message}`);
      throw this.failure;
    }
  }

  /** Frees local resources; uncommitted changes are discarded (commit first to keep them). */
  async discard(): Promise<void> {
    if (this.uploadId) {
      const uploadId = this.uploadId;
      this.uploadId = undefined;
      await Promise.allSettled(this.parts);
      await this.store.abortMultipart(this.key, uploadId);
    }
    this.releaseParts();
    const staging = await this.staging?.catch(() => undefined);
    this.staging = undefined;
    this.shared = undefined;
    if (staging) {
      await staging.handle.close().catch(() => undefined);
      await fs.rm(staging.path, { force: true });
    }
  }

  /** Reads back written content (a file being written is readable through the mount). */
  async read(offset: number, size: number): Promise<Buffer> {
    if (this.shared) await this.refresh();
    const end = Math.min(this.length, offset + size);
    if (offset >= end) return Buffer.alloc(0);
    if (this.mode === 'streaming') {
      if (offset < this.streamed) {
        await this.switchToStaging();
        return this.read(offset, size);
      }
      // A copy: the part buffer changes with the next write.
      return Buffer.from(this.part.subarray(offset - this.streamed, end - this.streamed));
    }
    const staging = await this.ensureStaged();
    const buffer = Buffer.alloc(end - offset);
    const { bytesRead } = await staging.handle.read(buffer, 0, buffer.length, offset);
    return buffer.subarray(0, bytesRead);
  }

  // ── streaming ────────────────────────────────────────────────────────────────────────────────────────────────

  private canStream(offset: number): boolean {
    // Appends, and rewrites of the part not yet uploaded, stay in streaming mode.
    return offset >= this.streamed && offset <= this.length;
  }

  private async appendStreaming(offset: number, data: Buffer): Promise<void> {
    for (let from = 0; from < data.length;) {
      // Below the part size: a full part is uploaded as soon as it fills.
      const at = offset + from - this.streamed;
      const count = Math.min(data.length - from, this.options.partSize - at);
      this.ensurePartCapacity(at + count);
      from += data.copy(this.part, at, from, from + count);
      this.filled = Math.max(this.filled, at + count);
      this.length = Math.max(this.length, this.streamed + this.filled);
      if (this.filled === this.options.partSize) await this.uploadNextPart();
    }
  }

  /** Small files get a small buffer: it doubles as they grow, up to the part size. */
  private ensurePartCapacity(bytes: number): void {
    if (bytes <= this.part.length) return;
    const size = this.streamed > 0 ? this.options.partSize : Math.min(this.options.partSize, Math.max(bytes, 2 * this.part.length, 64 * 1024));
    const grown = this.spareParts.pop() ?? Buffer.allocUnsafe(size);
    this.part.copy(grown, 0, 0, this.filled);
    this.part = grown;
  }

  private async uploadNextPart(): Promise<void> {
    const buffer = this.part;
    const part = buffer.subarray(0, this.filled);
    this.part = EMPTY;
    this.streamed += this.filled;
    this.filled = 0;
    this.uploadId ??= await this.store.createMultipart(this.key, this.metadata);
    const uploadId = this.uploadId;
    const partNumber = this.parts.length + 1;
    const upload = this.store.uploadPart(this.key, uploadId, partNumber, part);
    this.parts.push(upload);
    // Settles only after leaving the set, so the back-pressure loop below always sees the set shrink.
    const settled: Promise<void> = upload
      .then(
        () => undefined,
        (error: unknown) => {
          this.failure ??= error instanceof FsError ? error : FsError.io(String(error));
        },
      )
      .then(() => {
        this.uploading.delete(settled);
        // The request is done with the buffer (retries included): the next part can fill it.
        if (this.mode === 'streaming' && buffer.length === this.options.partSize && this.spareParts.length < 1) this.spareParts.push(buffer);
      });
    this.uploading.add(settled);
    // Back-pressure: at most `uploadConcurrency` parts in flight per file; the writer waits for one to finish.
    while (this.uploading.size >= this.options.uploadConcurrency) await Promise.race(this.uploading);
    if (this.failure) throw this.failure;
  }

  private async commitStreaming(): Promise<string> {
    if (!this.uploadId) {
      // The part stays: it is the file's whole content, which its handles read and append to until they release it.
      return this.store.put(this.key, this.part.subarray(0, this.filled), this.metadata, this.filled);
    }
    if (this.filled > 0 || this.parts.length === 0) {
      const rest = this.part.subarray(0, this.filled);
      this.part = EMPTY;
      this.streamed += this.filled;
      this.filled = 0;
      this.parts.push(this.store.uploadPart(this.key, this.uploadId, this.parts.length + 1, rest));
    }
    const uploadId = this.uploadId;
    try {
      const parts = await Promise.all(this.parts);
      const etag = await this.store.completeMultipart(this.key, uploadId, parts);
      // The object now holds everything: later writes start from it, staged.
      this.uploadId = undefined;
      this.parts = [];
      this.mode = 'staged';
      this.releaseParts();
      this.source = { key: this.key, size: this.length, etag };
      this.streamed = 0;
      return etag;
    } catch (error) {
      this.uploadId = undefined;
      await Promise.allSettled(this.parts);
      await this.store.abortMultipart(this.key, uploadId);
      throw error;
    }
  }

  private releaseParts(): void {
    this.part = EMPTY;
    this.filled = 0;
    this.spareParts.length = 0;
  }

  private async switchToStaging(): Promise<void> {
    if (this.mode === 'staged') return;
    if (this.streamed > 0) {
      // Parts already sent cannot be read back before the upload completes: S3 offers no way to rewrite them.
      this.failure = FsError.invalid(
        `${this.key}: a write went back before the ${this.streamed} bytes already uploaded; S3 cannot rewrite them. ` +
          'Write new files sequentially, or raise the part size.',
      );
      this.logger.error(this.failure.message);
      throw this.failure;
    }
    const content = this.part.subarray(0, this.filled);
    this.mode = 'staged';
    const staging = await this.ensureStaged();
    await staging.handle.write(content, 0, content.length, 0);
    this.releaseParts();
  }

  // ── staged ───────────────────────────────────────────────────────────────────────────────────────────────────

  private async writeStaged(offset: number, data: Buffer): Promise<void> {
    if (offset + data.length > this.options.stagingMaxBytes) {
      throw FsError.tooBig(`${this.key}: writing beyond ${this.options.stagingMaxBytes} bytes needs a larger staging cap`);
    }
    const staging = await this.ensureStaged();
    await staging.handle.write(data, 0, data.length, offset);
    this.length = Math.max(this.length, offset + data.length);
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
      this.logger.error(`${this.key} is ${this.length} bytes, over the staging cap of ${this.options.stagingMaxBytes}: cannot change it in place`);
      throw FsError.tooBig(`${this.key} is larger than the staging cap`);
    }
    await fs.mkdir(this.options.stagingDir, { recursive: true, mode: 0o700 });
    const path = join(this.options.stagingDir, `${randomUUID()}.part`);
    const handle = await fs.open(path, 'w+', 0o600);
    // Unlinked at once and used through its descriptor: a daemon that is killed leaves nothing in the staging dir.
    await fs.rm(path, { force: true });
    if (this.source && this.mode === 'staged') {
      // A failed download leaves nothing half staged: the next attempt starts over in a new file.
      await this.download(this.source, handle).catch(async (error: unknown) => {
        await handle.close().catch(() => undefined);
        throw error;
      });
    }
    return { path, handle };
  }

  private async download(source: { key: string; size: number; etag: string }, handle: fs.FileHandle): Promise<void> {
    const chunk = this.options.partSize;
    await mapWithConcurrency(offsetsOf(source.size, chunk), this.options.uploadConcurrency, async (offset) => {
      const data = await this.store.getRange(source.key, offset, Math.min(source.size, offset + chunk) - 1, source.etag);
      await handle.write(data, 0, data.length, offset);
    });
    this.source = undefined;
  }

  private async commitStaged(): Promise<string> {
    const staging = await this.ensureStaged();
    if (this.shared) await this.restamp(staging);
    if (this.length <= this.options.partSize) {
      const body = Buffer.alloc(this.length);
      await staging.handle.read(body, 0, body.length, 0);
      return this.store.put(this.key, body, this.metadata, body.length);
    }
    const uploadId = await this.store.createMultipart(this.key, this.metadata);
    try {
      const parts = await mapWithConcurrency(offsetsOf(this.length, this.options.partSize), this.options.uploadConcurrency, async (offset, index) => {
        const body = Buffer.alloc(Math.min(this.options.partSize, this.length - offset));
        await staging.handle.read(body, 0, body.length, offset);
        return this.store.uploadPart(this.key, uploadId, index + 1, body);
      });
      return await this.store.completeMultipart(this.key, uploadId, parts);
    } catch (error) {
      await this.store.abortMultipart(this.key, uploadId);
      throw error;
    }
  }

  // ── passthrough ──────────────────────────────────────────────────────────────────────────────────────────────

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
