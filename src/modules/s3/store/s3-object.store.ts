import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Logger } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { FsError } from '../../fuse';
import type { DirectRangedGets } from '../read/direct-ranged-gets';
import { Allocate, allocatePieces, copyIntoPieces, expectedRangeLength, RangeRequest } from '../read/ranged-body';
import { toFsError } from './s3-errno.mapper';
import { S3Metrics } from './s3-metrics';
import { offsetsOf } from '../write/part-offsets';
import { mapWithConcurrency } from './with-concurrency';

export type ObjectMetadata = Record<string, string>;

export interface ObjectInfo {
  key: string;
  size: number;
  mtime: Date;
  etag: string;
  metadata: ObjectMetadata;
}

export interface ListedObject {
  key: string;
  size: number;
  mtime: Date;
  etag: string;
}

export interface ListPage {
  objects: ListedObject[];
  prefixes: string[];
  nextToken?: string;
}

export interface CompletedPart extends PartChecksums {
  PartNumber: number;
  ETag: string;
}

/** A part's checksums, when the upload declared a checksum algorithm (uploadChecksum). */
interface PartChecksums {
  ChecksumCRC32?: string;
  ChecksumCRC32C?: string;
  ChecksumSHA256?: string;
}

export interface StoreLimits {
  /** Objects larger than this are copied part by part (S3 refuses a single CopyObject above 5 GiB). */
  multipartCopyThreshold: number;
  partSize: number;
  concurrency: number;
  /** Attempts of a ranged read whose body breaks off or comes short. */
  readAttempts: number;
}

/** The answer's body failed after its headers: worth another request. */
class BodyFailure extends Error {
  constructor(override readonly cause: unknown) {
    super('body failure');
  }
}

/** S3 allows at most 10,000 parts per upload. */
const MAX_PARTS = 10_000;
const DEFAULT_LIMITS: StoreLimits = { multipartCopyThreshold: 5 * 1024 ** 3, partSize: 64 * 1024 ** 2, concurrency: 8, readAttempts: 4 };

/** The S3 operations the filesystem uses, on one bucket, with every failure mapped to an FsError. */
export class S3ObjectStore {
  constructor(
    readonly client: S3Client,
    readonly bucket: string,
    private readonly logger: Logger,
    private readonly limits: StoreLimits = DEFAULT_LIMITS,
    /** The direct way for ranged reads; without it, every read goes through the SDK. */
    private readonly directGets?: DirectRangedGets,
    /** What the store reports its uploads to (nothing, without a registry). */
    readonly metrics: S3Metrics = new S3Metrics(undefined, bucket),
  ) {}

  /** Closes the connections of the direct ranged reads and the SDK client's. */
  destroy(): void {
    this.directGets?.destroy();
    this.client.destroy();
  }

  /** Runs one request to the bucket; its failure becomes the FsError it means (logged when unexpected), naming `what`. */
  private async request<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw toFsError(error, what, this.logger);
    }
  }

  /** Raw HeadBucket, for the start-up check that explains its own failures. */
  async headBucket(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  /** The object's metadata, or undefined when there is no such key. */
  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        key,
        size: out.ContentLength ?? 0,
        mtime: out.LastModified ?? new Date(0),
        etag: out.ETag ?? '',
        metadata: out.Metadata ?? {},
      };
    } catch (error) {
      const mapped = toFsError(error, `HEAD ${key}`, this.logger);
      if (mapped.code === 'ENOENT') return undefined;
      throw mapped;
    }
  }

  /** One page of a directory: the objects directly below `prefix` and the common prefixes ("subdirectories"). */
  list(prefix: string, token?: string): Promise<ListPage> {
    return this.listPage(prefix, token, '/');
  }

  /** One page of every key below `prefix`, at any depth. */
  listRecursive(prefix: string, token?: string, maxKeys?: number): Promise<ListPage> {
    return this.listPage(prefix, token, undefined, maxKeys);
  }

  private async listPage(prefix: string, token: string | undefined, delimiter: string | undefined, maxKeys?: number): Promise<ListPage> {
    return this.request(`LIST ${prefix}`, async () => {
      const out = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, Delimiter: delimiter, ContinuationToken: token, MaxKeys: maxKeys }),
      );
      return {
        objects: (out.Contents ?? []).map((object) => ({
          key: object.Key ?? '',
          size: object.Size ?? 0,
          mtime: object.LastModified ?? new Date(0),
          etag: object.ETag ?? '',
        })),
        prefixes: (out.CommonPrefixes ?? []).map((common) => common.Prefix ?? '').filter((p) => p !== ''),
        nextToken: out.IsTruncated ? out.NextContinuationToken : undefined,
      };
    });
  }

  /** The first key that starts with `prefix`, if any. */
  async firstKeyBelow(prefix: string): Promise<string | undefined> {
    const page = await this.listRecursive(prefix, undefined, 1);
    return page.objects[0]?.key;
  }

  /**
   * Bytes `start`..`end` (inclusive) of the object, only if it still has ETag `etag` when one is given. A body cut
   * short or broken off mid-transfer (the SDK retries only failures before the answer) is fetched again, up to the
   * configured attempts; short data is never returned as success.
   */
  async getRange(key: string, start: number, end: number, etag?: string, allocate?: Allocate): Promise<Buffer> {
    const [whole] = await this.getRangeInPieces({
      key,
      start,
      end,
      etag,
      pieceSize: Number.MAX_SAFE_INTEGER,
      allocate: allocate ?? Buffer.allocUnsafe,
    });
    return whole ?? Buffer.alloc(0);
  }

  /**
   * The same, received straight into separate buffers of `pieceSize` bytes (the last one shorter): one request for
   * several cache blocks, each of which can then be evicted on its own. `allocate` provides the pieces' memory.
   */
  async getRangeInPieces(range: RangeRequest): Promise<Buffer[]> {
    const { key, start, end } = range;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.getRangeOnce(range);
      } catch (error) {
        if (!(error instanceof BodyFailure) || attempt >= this.limits.readAttempts) {
          throw toFsError(error instanceof BodyFailure ? error.cause : error, `GET ${key} bytes ${start}-${end}`, this.logger);
        }
        this.logger.debug(`GET ${key} bytes ${start}-${end}: ${(error.cause as Error).message}; attempt ${attempt + 1}`);
      }
    }
  }

  private async getRangeOnce(range: RangeRequest): Promise<Buffer[]> {
    const { key, start, end } = range;
    const fast = await this.directGets?.get(range);
    if (fast && 'pieces' in fast) return fast.pieces;
    if (fast) this.logger.debug(`GET ${key} bytes ${start}-${end} through the SDK: ${fast.fallBack}`);
    const pieces = await this.getRangeThroughSdk(range);
    if (fast) this.directGets?.refusedButSdkSucceeded(fast);
    return pieces;
  }

  private async getRangeThroughSdk({ key, start, end, etag, pieceSize, allocate }: RangeRequest): Promise<Buffer[]> {
    const out = await this.client.send(
      new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${start}-${end}`, IfMatch: etag || undefined }),
    );
    // Not every S3-compatible server honours If-Match: the answer's own ETag is checked too, so two versions of an
    // object can never be mixed in one read.
    if (etag && out.ETag && out.ETag !== etag) {
      (out.Body as { destroy?: () => void } | undefined)?.destroy?.();
      throw Object.assign(new Error(`ETag ${out.ETag} differs from the ${etag} pinned at open`), { name: 'PreconditionFailed' });
    }
    let pieces: Buffer[];
    try {
      pieces = await readBody(out.Body, out.ContentLength, pieceSize, allocate);
    } catch (error) {
      throw new BodyFailure(error);
    }
    const expected = expectedRangeLength(start, end, out.ContentRange);
    const received = pieces.reduce((sum, piece) => sum + piece.length, 0);
    if (received !== expected) {
      throw new BodyFailure(new Error(`the answer had ${received} bytes instead of ${expected}`));
    }
    return pieces;
  }

  /** The whole (small) object, e.g. a symlink's target. */
  async getAll(key: string): Promise<Buffer> {
    return this.request(`GET ${key}`, async () => {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return Buffer.concat(await readBody(out.Body, out.ContentLength, Number.MAX_SAFE_INTEGER, Buffer.allocUnsafe));
    });
  }

  async put(key: string, body: Buffer | Readable, metadata: ObjectMetadata, contentLength?: number): Promise<string> {
    return this.request(`PUT ${key}`, async () => {
      const out = await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, Metadata: metadata, ContentLength: contentLength }),
      );
      this.metrics.uploaded(Buffer.isBuffer(body) ? body.length : (contentLength ?? 0), false);
      return out.ETag ?? '';
    });
  }

  /**
   * Server-side copy; with `metadata` the copy gets exactly that metadata, without it the source's. Objects of `size`
   * above the multipart-copy threshold are copied part by part (UploadPartCopy), so objects over 5 GiB work too.
   */
  async copy(from: string, to: string, metadata?: ObjectMetadata, size = 0): Promise<string> {
    if (size > this.limits.multipartCopyThreshold) return this.copyInParts(from, to, size, metadata);
    return this.request(`COPY ${from} → ${to}`, async () => {
      const out = await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: to,
          CopySource: copySource(this.bucket, from),
          MetadataDirective: metadata ? 'REPLACE' : 'COPY',
          Metadata: metadata,
        }),
      );
      return out.CopyObjectResult?.ETag ?? '';
    });
  }

  private async copyInParts(from: string, to: string, size: number, metadata?: ObjectMetadata): Promise<string> {
    const source = metadata ? undefined : await this.head(from);
    if (!metadata && !source) throw FsError.notFound(`${from}: not found`);
    const partSize = Math.max(this.limits.partSize, Math.ceil(size / MAX_PARTS));
    const uploadId = await this.createMultipart(to, metadata ?? source?.metadata ?? {});
    try {
      const parts = await mapWithConcurrency(offsetsOf(size, partSize), this.limits.concurrency, (start, index) =>
        this.copyPart(from, to, uploadId, index + 1, start, Math.min(size, start + partSize) - 1),
      );
      return await this.completeMultipart(to, uploadId, parts);
    } catch (error) {
      await this.abortMultipart(to, uploadId);
      throw error;
    }
  }

  private async copyPart(from: string, to: string, uploadId: string, partNumber: number, start: number, end: number): Promise<CompletedPart> {
    return this.request(`COPY PART ${partNumber} of ${from} → ${to}`, async () => {
      const out = await this.client.send(
        new UploadPartCopyCommand({
          Bucket: this.bucket,
          Key: to,
          UploadId: uploadId,
          PartNumber: partNumber,
          CopySource: copySource(this.bucket, from),
          CopySourceRange: `bytes=${start}-${end}`,
        }),
      );
      return { PartNumber: partNumber, ETag: out.CopyPartResult?.ETag ?? '', ...partChecksums(out.CopyPartResult ?? {}) };
    });
  }

  async delete(key: string): Promise<void> {
    return this.request(`DELETE ${key}`, async () => {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    });
  }

  async createMultipart(key: string, metadata: ObjectMetadata): Promise<string> {
    return this.request(`CREATE MULTIPART ${key}`, async () => {
      const out = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, Metadata: metadata }));
      if (!out.UploadId) throw new Error('no UploadId in the answer');
      return out.UploadId;
    });
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, body: Buffer): Promise<CompletedPart> {
    return this.request(`UPLOAD PART ${partNumber} of ${key}`, async () => {
      const out = await this.client.send(
        new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length }),
      );
      this.metrics.uploaded(body.length, true);
      return { PartNumber: partNumber, ETag: out.ETag ?? '', ...partChecksums(out) };
    });
  }

  async completeMultipart(key: string, uploadId: string, parts: CompletedPart[]): Promise<string> {
    return this.request(`COMPLETE MULTIPART ${key}`, async () => {
      const out = await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: [...parts].sort((a, b) => a.PartNumber - b.PartNumber) },
        }),
      );
      return out.ETag ?? '';
    });
  }

  /** Best effort: some servers cannot abort; the parts then expire by the bucket's lifecycle rules. */
  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }));
    } catch (error) {
      this.logger.warn(`Could not abort the multipart upload of ${key} (${(error as Error).name}); its parts stay until they expire.`);
    }
  }
}

/**
 * The body, in buffers of `pieceSize` bytes. With the length announced, chunks are copied straight into buffers of
 * their final size as they arrive: one allocation per piece and one copy, and no promise per chunk (collecting the
 * chunks and joining them doubled the copying and the garbage collector's work; the daemon is CPU-bound when it
 * streams).
 */
function readBody(body: unknown, length: number | undefined, pieceSize: number, allocate: Allocate): Promise<Buffer[]> {
  const stream = body as NodeJS.ReadableStream & { destroy?: (error?: Error) => void };
  const known = length !== undefined && Number.isSafeInteger(length) && length >= 0;
  const pieces: Buffer[] = known ? allocatePieces(length, pieceSize, allocate) : [];
  const chunks: Buffer[] = [];
  let filled = 0;
  return new Promise((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => {
      if (!known) {
        chunks.push(chunk);
      } else if (filled + chunk.length > length) {
        stream.destroy?.();
        reject(new Error(`the answer had more than the ${length} bytes it announced`));
        return;
      } else {
        copyIntoPieces(pieces, filled, chunk, 0, chunk.length);
      }
      filled += chunk.length;
    });
    let ended = false;
    stream.once('error', reject);
    stream.once('end', () => {
      ended = true;
      if (!known) return resolve(split(Buffer.concat(chunks, filled), pieceSize));
      if (filled === length) return resolve(pieces);
      // Short: hand back what arrived, for the caller's length check to report.
      resolve(split(Buffer.concat(pieces).subarray(0, filled), pieceSize));
    });
    // A connection that drops mid-body may only close the stream.
    stream.once('close', () => {
      if (!ended) reject(new Error(`the connection closed after ${filled} bytes of the answer`));
    });
  });
}

function split(buffer: Buffer, pieceSize: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < buffer.length; at += pieceSize) pieces.push(buffer.subarray(at, Math.min(buffer.length, at + pieceSize)));
  return pieces.length ? pieces : [buffer];
}

function copySource(bucket: string, key: string): string {
  return `${bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}`;
}

/** A part's checksums as S3 answered them: an upload that declared a checksum algorithm must list them to complete. */
function partChecksums(part: PartChecksums): PartChecksums {
  const checksums: PartChecksums = {};
  if (part.ChecksumCRC32) checksums.ChecksumCRC32 = part.ChecksumCRC32;
  if (part.ChecksumCRC32C) checksums.ChecksumCRC32C = part.ChecksumCRC32C;
  if (part.ChecksumSHA256) checksums.ChecksumSHA256 = part.ChecksumSHA256;
  return checksums;
}
