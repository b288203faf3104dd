import type { S3Client } from '@aws-sdk/client-s3';
import type { Counter, Registry } from 'prom-client';
import { RegistryMetrics } from '../../fuse/metrics/registry-metrics';
import type { BlockCache } from '../read/block-cache';

type Labels = 'bucket';

/** The status label of a request that got no HTTP answer (a connection refused or reset, a timeout). */
const NO_ANSWER = 'none';

/**
 * One mount's S3 traffic as Prometheus metrics: requests by type (the S3 operation) and HTTP status, retries, upload
 * parts and bytes, failed uploads, and the block cache. Without a registry every method does nothing.
 */
export class S3Metrics {
  private readonly requests?: Counter<Labels | 'type' | 'status'>;
  private readonly retries?: Counter<Labels | 'type'>;
  private readonly uploadParts?: Counter<Labels>;
  private readonly uploadBytes?: Counter<Labels>;
  private readonly failedUploads?: Counter<Labels>;
  private readonly metrics?: RegistryMetrics;

  constructor(
    registry: Registry | undefined,
    private readonly bucket: string,
  ) {
    if (!registry) return;
    const metrics = (this.metrics = new RegistryMetrics(registry));
    this.requests = metrics.counter({
      name: 'nestjs_fuse_s3_requests_total',
      help: 'HTTP requests sent to S3 (each attempt), by operation and HTTP status ("none": no answer)',
      labelNames: ['bucket', 'type', 'status'],
    });
    this.retries = metrics.counter({
      name: 'nestjs_fuse_s3_retries_total',
      help: 'S3 requests sent again after a failed attempt',
      labelNames: ['bucket', 'type'],
    });
    this.uploadParts = metrics.counter({
      name: 'nestjs_fuse_s3_upload_parts_total',
      help: 'Parts of multipart uploads sent',
      labelNames: ['bucket'],
    });
    this.uploadBytes = metrics.counter({
      name: 'nestjs_fuse_s3_upload_bytes_total',
      help: 'Bytes uploaded (whole objects and parts)',
      labelNames: ['bucket'],
    });
    this.failedUploads = metrics.counter({
      name: 'nestjs_fuse_s3_failed_uploads_total',
      help: 'Files whose upload failed (the error surfaced on close or fsync)',
      labelNames: ['bucket'],
    });
  }

  /** Counts every attempt the SDK client sends, and its retries. */
  instrument(client: S3Client): void {
    if (!this.requests) return;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const type = operation(context.commandName);
        try {
          const result = await next(args);
          this.request(type, (result.response as { statusCode?: number } | undefined)?.statusCode);
          return result;
        } catch (error) {
          this.request(type, (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode);
          throw error;
        }
      },
      { step: 'deserialize', name: 'nestjsFuseCountAttempts' },
    );
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const type = operation(context.commandName);
        const retried = (attempts: number | undefined): void => {
          if (attempts && attempts > 1) this.retries?.inc({ bucket: this.bucket, type }, attempts - 1);
        };
        try {
          const result = await next(args);
          retried((result.output as { $metadata?: { attempts?: number } }).$metadata?.attempts);
          return result;
        } catch (error) {
          retried((error as { $metadata?: { attempts?: number } }).$metadata?.attempts);
          throw error;
        }
      },
      { step: 'initialize', name: 'nestjsFuseCountRetries' },
    );
  }

  /** A request sent outside the SDK (the direct ranged GETs). */
  request(type: string, status: number | undefined): void {
    this.requests?.inc({ bucket: this.bucket, type, status: status === undefined ? NO_ANSWER : String(status) });
  }

  uploaded(bytes: number, part: boolean): void {
    if (part) this.uploadParts?.inc({ bucket: this.bucket });
    this.uploadBytes?.inc({ bucket: this.bucket }, bytes);
  }

  uploadFailed(): void {
    this.failedUploads?.inc({ bucket: this.bucket });
  }

  /** Reports the block cache's counts, read when the metrics are scraped. */
  watch(cache: BlockCache): void {
    const metrics = this.metrics;
    if (!metrics) return;
    const bucket = this.bucket;
    const counted = (name: string, help: string, read: () => number): void => {
      let reported = 0;
      metrics.counter({
        name,
        help,
        labelNames: ['bucket'],
        collect() {
          const now = read();
          if (now > reported) this.inc({ bucket }, now - reported);
          reported = now;
        },
      });
    };
    counted('nestjs_fuse_s3_cache_hits_total', 'Reads answered from cached blocks', () => cache.counts.hits);
    counted(
      'nestjs_fuse_s3_cache_misses_total',
      'Reads that waited for S3 (a block, or the exact range of a random read)',
      () => cache.counts.misses,
    );
    counted('nestjs_fuse_s3_cache_evictions_total', 'Blocks evicted from the block cache to make room', () => cache.counts.evictions);
    counted('nestjs_fuse_s3_read_ahead_bytes_total', 'Bytes requested ahead of the reader', () => cache.counts.readAheadBytes);
    metrics.gauge({
      name: 'nestjs_fuse_s3_cache_bytes',
      help: 'Bytes the block cache holds',
      labelNames: ['bucket'],
      collect() {
        this.set({ bucket }, cache.size);
      },
    });
  }
}

/** `GetObjectCommand` → `GetObject`. */
function operation(commandName: string | undefined): string {
  return (commandName ?? 'unknown').replace(/Command$/, '');
}
