import { Logger, Module } from '@nestjs/common';
import { DirectRangedGets } from './read/direct-ranged-gets';
import { createS3Client, readCaBundle } from './store/s3-client.factory';
import { resolveS3Options, type ResolvedS3Options, type S3ModuleOptions } from './s3-module-options.interface';
import { S3Metrics } from './store/s3-metrics';
import { directReadHeaders } from './store/s3-request-parameters';
import { S3ObjectStore } from './store/s3-object.store';
import { S3_RESOLVED_OPTIONS, S3_STORE } from './s3.constants';
import { S3Filesystem } from './s3.filesystem';
import { ConfigurableS3Module, S3_MODULE_OPTIONS } from './s3.module-definition';

/**
 * A bucket (or a prefix of it) as the filesystem named `s3`. `S3Module.forRoot({ bucket, prefix, endpoint, region,
 * forcePathStyle, … })` or `forRootAsync({ useFactory })`. The bucket is checked once at module init.
 */
@Module({
  providers: [
    { provide: S3_RESOLVED_OPTIONS, useFactory: resolveS3Options, inject: [S3_MODULE_OPTIONS] },
    {
      provide: S3_STORE,
      useFactory: async (options: ResolvedS3Options) => {
        const client = await createS3Client(options);
        const logger = new Logger('S3');
        const metrics = new S3Metrics(options.metrics, options.bucket);
        metrics.instrument(client);
        const directGets = options.directReads
          ? new DirectRangedGets(
              client,
              options.bucket,
              {
                requestTimeoutMs: options.requestTimeoutMs,
                caBundle: await readCaBundle(options.caBundle),
                maxConnections: 64,
                headers: directReadHeaders(options),
                sign: options.signRequests,
              },
              logger,
              metrics,
            )
          : undefined;
        const limits = {
          multipartCopyThreshold: options.multipartCopyThresholdBytes,
          partSize: options.partSize,
          concurrency: 8,
          readAttempts: options.maxAttempts,
        };
        return new S3ObjectStore(client, options.bucket, logger, limits, directGets, metrics);
      },
      inject: [S3_RESOLVED_OPTIONS],
    },
    S3Filesystem,
  ],
  exports: [S3Filesystem],
})
export class S3Module extends ConfigurableS3Module {}

export type { S3ModuleOptions };
