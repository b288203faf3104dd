import { FsError } from '../../fuse';
import type { ResolvedS3Options } from '../s3-module-options.interface';
import type { CompletedPart, S3ObjectStore } from '../store/s3-object.store';
import type { UploadTarget } from './upload-target';

const EMPTY = Buffer.alloc(0);
const ZEROS = Buffer.alloc(1024 * 1024);

/**
 * New content written from offset 0 onwards, uploaded as it comes: a multipart upload whose parts go out as they fill
 * (at most `uploadConcurrency` at once per file), or one PUT for a file smaller than a part. Only the part being filled
 * is in memory, so a write may land anywhere in it, but never before it: S3 cannot rewrite parts already sent.
 */
export class StreamingUpload {
  /**
   * The part being filled: bytes `streamed`..`size` of the file at `part[0..filled)`. Writes are copied straight into
   * it; it grows up to the part size, and the buffers of uploaded parts are reused for the next ones (a buffer per
   * write, joined per part, meant two copies and ~100 full garbage collections per GiB).
   */
  private part: Buffer = EMPTY;
  private filled = 0;
  private readonly spareParts: Buffer[] = [];
  /** Bytes already handed to uploaded (or uploading) parts. */
  private streamed = 0;
  private uploadId?: string;
  private parts: Array<Promise<CompletedPart>> = [];
  private readonly uploading = new Set<Promise<void>>();
  /** The first part that failed to upload: the upload cannot complete. */
  private partFailure?: FsError;

  constructor(
    private readonly store: S3ObjectStore,
    private readonly options: ResolvedS3Options,
    private readonly target: UploadTarget,
  ) {}

  get size(): number {
    return this.streamed + this.filled;
  }

  /** Why the upload can no longer complete, once a part failed. */
  get failure(): FsError | undefined {
    return this.partFailure;
  }

  /** Whether bytes from `offset` on are all still in memory (nothing from there on was sent). */
  holds(offset: number): boolean {
    return offset >= this.streamed;
  }

  /** Whether a write at `offset` can be taken: an append, or a rewrite of the part not yet sent. */
  takes(offset: number): boolean {
    return this.holds(offset) && offset <= this.size;
  }

  /** Copies `data` in at `offset` (see {@link takes}), sending each part as soon as it fills. */
  async write(offset: number, data: Buffer): Promise<void> {
    for (let from = 0; from < data.length;) {
      const at = offset + from - this.streamed;
      const count = Math.min(data.length - from, this.options.partSize - at);
      this.ensurePartCapacity(at + count);
      from += data.copy(this.part, at, from, from + count);
      this.filled = Math.max(this.filled, at + count);
      if (this.filled === this.options.partSize) await this.uploadNextPart();
    }
  }

  /** Cuts the content to `size` (at least what was sent, see {@link holds}), or grows it with zeros. */
  async truncate(size: number): Promise<void> {
    if (size < this.size) this.filled = size - this.streamed;
    // Growing appends zeros, uploading parts as they fill.
    while (this.size < size) await this.write(this.size, ZEROS.subarray(0, Math.min(ZEROS.length, size - this.size)));
  }

  /** Bytes `offset`..`end` (see {@link holds}), copied: the part changes with the next write. */
  read(offset: number, end: number): Buffer {
    return Buffer.from(this.part.subarray(offset - this.streamed, end - this.streamed));
  }

  /**
   * The whole content, for a writer that must stage it to write further back; EINVAL once parts were sent, which
   * cannot be read back before the upload completes.
   */
  wholeContent(): Buffer {
    if (this.streamed > 0) {
      throw FsError.invalid(
        `${this.target.key}: a write went back before the ${this.streamed} bytes already uploaded; S3 cannot rewrite them. ` +
          'Write new files sequentially, or raise the part size.',
      );
    }
    return this.part.subarray(0, this.filled);
  }

  /**
   * Completes the upload: the object holds the content when this resolves. `whole`: the content was one PUT and is still
   * all in memory, so writing on continues this upload; otherwise the content is in the bucket only.
   */
  async complete(): Promise<{ etag: string; whole: boolean }> {
    if (!this.uploadId) {
      // The part stays: it is the file's whole content, which its handles read and append to until they release it.
      return { etag: await this.store.put(this.target.key, this.part.subarray(0, this.filled), this.target.metadata, this.filled), whole: true };
    }
    if (this.filled > 0 || this.parts.length === 0) {
      const rest = this.part.subarray(0, this.filled);
      this.part = EMPTY;
      this.streamed += this.filled;
      this.filled = 0;
      this.parts.push(this.store.uploadPart(this.target.key, this.uploadId, this.parts.length + 1, rest));
    }
    const uploadId = this.uploadId;
    this.uploadId = undefined;
    try {
      const parts = await Promise.all(this.parts);
      const etag = await this.store.completeMultipart(this.target.key, uploadId, parts);
      this.release();
      return { etag, whole: false };
    } catch (error) {
      await Promise.allSettled(this.parts);
      await this.store.abortMultipart(this.target.key, uploadId);
      throw error;
    }
  }

  /** Gives up: a multipart upload under way is aborted, and the memory goes. */
  async abort(): Promise<void> {
    if (this.uploadId) {
      const uploadId = this.uploadId;
      this.uploadId = undefined;
      await Promise.allSettled(this.parts);
      await this.store.abortMultipart(this.target.key, uploadId);
    }
    this.release();
  }

  private release(): void {
    this.part = EMPTY;
    this.filled = 0;
    this.spareParts.length = 0;
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
    this.uploadId ??= await this.store.createMultipart(this.target.key, this.target.metadata);
    const uploadId = this.uploadId;
    const partNumber = this.parts.length + 1;
    const upload = this.store.uploadPart(this.target.key, uploadId, partNumber, part);
    this.parts.push(upload);
    // Settles only after leaving the set, so the back-pressure loop below always sees the set shrink.
    const settled: Promise<void> = upload
      .then(
        () => undefined,
        (error: unknown) => {
          this.partFailure ??= error instanceof FsError ? error : FsError.io(String(error));
        },
      )
      .then(() => {
        this.uploading.delete(settled);
        // The request is done with the buffer (retries included): the next part of this upload can fill it.
        if (this.uploadId === uploadId && buffer.length === this.options.partSize && this.spareParts.length < 1) this.spareParts.push(buffer);
      });
    this.uploading.add(settled);
    // Back-pressure: at most `uploadConcurrency` parts in flight per file; the writer waits for one to finish.
    while (this.uploading.size >= this.options.uploadConcurrency) await Promise.race(this.uploading);
    if (this.partFailure) throw this.partFailure;
  }
}
