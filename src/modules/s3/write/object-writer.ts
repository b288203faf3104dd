import { Logger } from '@nestjs/common';
import { FsError } from '../../fuse';
import { encodeMetadata } from '../tree/s3-metadata';
import type { ResolvedS3Options } from '../s3-module-options.interface';
import type { ObjectMetadata, S3ObjectStore } from '../store/s3-object.store';
import { StagedContent, StagingSource } from './staged-content';
import { StreamingUpload } from './streaming-upload';
import type { UploadTarget } from './upload-target';

export interface UploadResult {
  etag: string;
  size: number;
}

/**
 * The pending new content of one object while it is open for writing. Nothing is visible in the bucket until
 * {@link commit} succeeds (a PUT, or a multipart upload completed last), and a failed upload is an error of
 * `flush`/`fsync`/`close`, never silently dropped data.
 *
 * New content streams (StreamingUpload) for as long as it is written from the start onwards; a write further back,
 * and any change of existing content, moves it to a staging file (StagedContent).
 */
export class ObjectWriter implements UploadTarget {
  private content: StreamingUpload | StagedContent;
  private dirty: boolean;
  /** Why this writer can upload nothing any more: a failed upload, or a write S3 cannot take. */
  private failure?: FsError;
  /** When the content last changed (a write, a truncate, or a change the staging file shows). */
  private contentChangedAt?: Date;
  private movingToStaging?: Promise<StagedContent>;

  private constructor(
    private readonly store: S3ObjectStore,
    private readonly options: ResolvedS3Options,
    private objectKey: string,
    private objectMetadata: ObjectMetadata,
    private readonly logger: Logger,
    source: StagingSource | undefined,
  ) {
    this.dirty = source === undefined;
    this.content = source ? this.staged(source) : new StreamingUpload(store, options, this);
  }

  /** New, empty content (create, or open with O_TRUNC): uploaded on commit even if nothing is written. */
  static empty(store: S3ObjectStore, options: ResolvedS3Options, key: string, metadata: ObjectMetadata, logger: Logger): ObjectWriter {
    return new ObjectWriter(store, options, key, metadata, logger, undefined);
  }

  /** The existing object of `size` bytes, staged locally on the first need so it can be changed anywhere. */
  static existing(store: S3ObjectStore, options: ResolvedS3Options, object: StagingSource, metadata: ObjectMetadata, logger: Logger): ObjectWriter {
    return new ObjectWriter(store, options, object.key, metadata, logger, object);
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

  /** The content's size, as of the last {@link refresh} where the kernel writes the staging file itself. */
  get size(): number {
    return this.content.size;
  }

  /** Whether there is something to upload, as of the last {@link refresh} where the kernel writes the staging file. */
  get hasChanges(): boolean {
    return this.dirty;
  }

  /** Once the staging file was shared ({@link shareStaging}), takes in what the kernel wrote to it since. */
  async refresh(): Promise<void> {
    if (!(this.content instanceof StagedContent)) return;
    const changedAt = await this.content.refresh();
    if (!changedAt) return;
    this.dirty = true;
    this.contentChangedAt = changedAt;
  }

  /**
   * The existing object staged whole, and the descriptor of its staging file (read-write) for the kernel to serve the
   * file's reads and writes from (passthrough). From then on the writer reads the file's size and changes from it.
   * Only for a writer of existing content ({@link existing}); every call answers the one staging.
   */
  shareStaging(): Promise<number> {
    if (!(this.content instanceof StagedContent)) return Promise.reject(new Error(`${this.key}: only a staged writer can share its staging file`));
    return this.content.share();
  }

  /** Whether {@link shareStaging} was asked for: every open of the file must then name its descriptor. */
  get sharesStaging(): boolean {
    return this.content instanceof StagedContent && this.content.shares;
  }

  async write(offset: number, data: Buffer): Promise<number> {
    this.throwIfFailed();
    await this.refresh();
    const content = this.content instanceof StreamingUpload && this.content.takes(offset) ? this.content : await this.toStaging();
    await content.write(offset, data);
    this.changed();
    return data.length;
  }

  async truncate(size: number): Promise<void> {
    this.throwIfFailed();
    await this.refresh();
    const content = this.content instanceof StreamingUpload && this.content.holds(size) ? this.content : await this.toStaging();
    await content.truncate(size);
    this.changed();
  }

  /** Reads back written content (a file being written is readable through the mount). */
  async read(offset: number, size: number): Promise<Buffer> {
    await this.refresh();
    const end = Math.min(this.size, offset + size);
    if (offset >= end) return Buffer.alloc(0);
    const content = this.content instanceof StreamingUpload && this.content.holds(offset) ? this.content : await this.toStaging();
    return content.read(offset, end);
  }

  /** Uploads the content if it changed since the last commit; the object is complete when this resolves. */
  async commit(): Promise<UploadResult | undefined> {
    this.throwIfFailed();
    await this.refresh();
    if (!this.dirty) return undefined;
    try {
      const size = this.size;
      const etag = await this.upload();
      this.dirty = false;
      return { etag, size };
    } catch (error) {
      this.failure = error instanceof FsError ? error : FsError.io(String(error));
      this.store.metrics.uploadFailed();
      this.logger.error(`Upload of ${this.key} failed; the object was not changed and the data written is lost: ${this.failure.message}`);
      throw this.failure;
    }
  }

  /** Frees local resources; uncommitted changes are discarded (commit first to keep them). */
  async discard(): Promise<void> {
    if (this.content instanceof StreamingUpload) await this.content.abort();
    else await this.content.discard();
  }

  private async upload(): Promise<string> {
    if (this.content instanceof StagedContent) return this.content.upload();
    const { etag, whole } = await this.content.complete();
    // Uploaded in parts, the content is in the bucket only: later changes start from that version, staged.
    if (!whole) this.content = this.staged({ key: this.key, size: this.content.size, etag });
    return etag;
  }

  /**
   * The content moved to a staging file, where it can be changed anywhere (once: requests that need it meanwhile wait
   * for the same move); EINVAL for good once parts of it were sent.
   */
  private toStaging(): Promise<StagedContent> {
    const content = this.content;
    if (content instanceof StagedContent) return Promise.resolve(content);
    this.movingToStaging ??= (async () => {
      let bytes: Buffer;
      try {
        bytes = content.wholeContent();
      } catch (error) {
        this.failure = error as FsError;
        this.logger.error(this.failure.message);
        throw error;
      }
      const staged = this.staged();
      await staged.seed(bytes).catch(async (error: unknown) => {
        await staged.discard();
        throw error;
      });
      await content.abort();
      this.content = staged;
      return staged;
    })().finally(() => (this.movingToStaging = undefined));
    return this.movingToStaging;
  }

  private staged(source?: StagingSource): StagedContent {
    return new StagedContent(this.store, this.options, this, this.logger, source);
  }

  private changed(): void {
    this.dirty = true;
    this.contentChangedAt = new Date();
  }

  private throwIfFailed(): void {
    const failure = this.failure ?? (this.content instanceof StreamingUpload ? this.content.failure : undefined);
    if (failure) throw failure;
  }
}
