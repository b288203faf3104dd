import { Logger } from '@nestjs/common';
import { BlockCache, PrefetchBudget } from './block-cache';
import { BLOCK_SIZE, ObjectReader, PinnedObject } from './object-reader';
import type { ResolvedS3Options } from '../s3-module-options.interface';
import type { S3ObjectStore } from '../store/s3-object.store';

/** Makes the readers of one mount, which share its block cache and its read-ahead budget. */
export class ObjectReaders {
  private readonly cache: BlockCache;
  private readonly budget: PrefetchBudget;

  constructor(
    private readonly store: S3ObjectStore,
    private readonly options: ResolvedS3Options,
    private readonly logger: Logger,
  ) {
    this.cache = new BlockCache(options.cacheBytes, BLOCK_SIZE);
    this.budget = new PrefetchBudget(options.prefetchTotalBytes);
    store.metrics.watch(this.cache);
  }

  /** A reader of the version `object` pins. */
  open(object: PinnedObject): ObjectReader {
    return new ObjectReader(this.store, this.cache, this.budget, object, this.options.prefetchWindowBytes, this.logger);
  }

  /** The object at `key` changed through this mount: its cached blocks go. */
  evict(key: string): void {
    this.cache.evictObject(key);
  }
}
