import type { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@nestjs/common';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, HttpRequest, SourceData } from '@smithy/types';
import { createHash, createHmac, Hash, Hmac } from 'node:crypto';
import { RefusedResponse, ResponseHead } from '../store/raw-http-connection';
import { allocatePieces, expectedRangeLength, RangeRequest } from './ranged-body';
import { RawHttpPool } from '../store/raw-http-pool';
import type { S3Metrics } from '../store/s3-metrics';
import { objectPath, ObjectUrlBase, resolveObjectUrlBase } from '../store/s3-object-url';

export interface FastRangedGetOptions {
  requestTimeoutMs: number;
  caBundle?: string;
  maxConnections: number;
  /** Headers every read carries (requester pays, the expected bucket owner). */
  headers?: Record<string, string>;
  /** False: requests go out unsigned (a public bucket). */
  sign?: boolean;
}

/**
 * The bytes requested, or why this request should take the SDK's way instead; `refused` when S3 answered 400 or 403,
 * which may mean that it does not accept this path's signature (see {@link DirectRangedGets.refusedButSdkSucceeded}).
 */
export type FastRangeResult = { pieces: Buffer[] } | { fallBack: string; refused?: boolean };

/**
 * Ranged GETs of object data, signed with the SDK's SigV4 signer and sent on keep-alive connections that receive the
 * body straight into the caller's buffers. This skips the SDK's per-request middleware (about 1 ms of CPU per request:
 * endpoint rules, serialization, retries, its HTTP client) and the buffer Node's HTTP client allocates per socket read
 * (V8 answered those with a full garbage collection per ~11 MB received).
 *
 * Only the plain success is handled here: an error status, an unexpected length or ETag, a broken connection or a
 * busy pool all fall back to the SDK for that request, which brings its own retries and error mapping. When S3
 * refuses a request here (400/403) that the SDK then gets through, the signature is what it refused (a clock skew the
 * SDK corrects, a signing variant this path lacks): the path turns itself off for the mount. A plain access denial
 * fails through the SDK too and leaves it on.
 */
export class DirectRangedGets {
  private base?: Promise<ObjectUrlBase>;
  private pool?: RawHttpPool;
  private signer?: SignatureV4;
  private disabled = false;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly options: FastRangedGetOptions,
    private readonly logger: Logger,
    private readonly metrics?: S3Metrics,
  ) {}

  async get(range: RangeRequest): Promise<FastRangeResult> {
    const { key, start, end, etag } = range;
    if (this.disabled) return { fallBack: 'disabled' };
    let base: ObjectUrlBase;
    try {
      base = await (this.base ??= resolveObjectUrlBase(this.client, this.bucket));
    } catch (error) {
      return this.disable(`the object URL could not be resolved (${(error as Error).message})`);
    }
    const pool = (this.pool ??= new RawHttpPool(
      { protocol: base.protocol, host: base.hostname, port: base.port ?? (base.protocol === 'https:' ? 443 : 80), ca: this.options.caBundle },
      this.options.requestTimeoutMs,
      this.options.maxConnections,
    ));
    const headers: Record<string, string> = { ...this.options.headers, host: base.host, range: `bytes=${start}-${end}` };
    if (etag) headers['if-match'] = etag;
    const request: HttpRequest = {
      method: 'GET',
      protocol: base.protocol,
      hostname: base.hostname,
      port: base.port,
      path: objectPath(base, key),
      query: {},
      headers,
    };
    let signed: HttpRequest;
    try {
      signed = this.options.sign === false ? request : await this.signerFor().sign(request);
    } catch (error) {
      return { fallBack: `signing failed (${(error as Error).message})` };
    }
    try {
      const response = await pool.send(requestHead(signed), (head) => this.accept(head, range));
      return response ? { pieces: response.pieces } : { fallBack: 'every connection is busy' };
    } catch (error) {
      if (!(error instanceof RefusedResponse)) this.metrics?.request('GetObject', undefined);
      const refused = error instanceof RefusedResponse && (error.head.status === 400 || error.head.status === 403);
      return { fallBack: (error as Error).message, refused };
    }
  }

  destroy(): void {
    this.pool?.destroy();
  }

  /** The body's buffers when the answer is exactly the range asked for, of the pinned version. */
  private accept(head: ResponseHead, { start, end, etag, pieceSize, allocate }: RangeRequest): Buffer[] | undefined {
    this.metrics?.request('GetObject', head.status);
    if (head.status !== 206 && head.status !== 200) return undefined;
    if (etag && head.headers.get('etag') !== etag) return undefined;
    const expected = expectedRangeLength(start, end, head.headers.get('content-range'));
    // A 200 is the whole object: only right when the range asked for started at 0 and covered all of it.
    if (head.contentLength !== expected || (head.status === 200 && start !== 0)) return undefined;
    return allocatePieces(expected, pieceSize, allocate);
  }

  private signerFor(): SignatureV4 {
    this.signer ??= new SignatureV4({
      credentials: this.client.config.credentials,
      region: this.client.config.region,
      service: 's3',
      sha256: NodeSha256,
      // S3 signs the path as sent, without encoding it a second time.
      uriEscapePath: false,
      applyChecksum: true,
    });
    return this.signer;
  }

  /** The SDK succeeded with a request S3 refused on this path: its signature is not accepted here. */
  refusedButSdkSucceeded(result: FastRangeResult): void {
    if ('fallBack' in result && result.refused) this.disable(`S3 refused a directly signed request that the SDK's went through (${result.fallBack})`);
  }

  private disable(reason: string): FastRangeResult {
    if (!this.disabled) this.logger.warn(`Reading through the SDK from now on: ${reason}.`);
    this.disabled = true;
    return { fallBack: reason };
  }
}

function requestHead(request: HttpRequest): string {
  const lines = [`GET ${request.path} HTTP/1.1`];
  for (const [name, value] of Object.entries(request.headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape the SDK's signer takes. */
class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }

  update(data: Uint8Array): void {
    this.hash.update(data);
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const secret = this.secret;
    const key =
      typeof secret === 'string'
        ? secret
        : secret instanceof ArrayBuffer
          ? Buffer.from(secret)
          : Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength);
    return createHmac('sha256', key);
  }
}
