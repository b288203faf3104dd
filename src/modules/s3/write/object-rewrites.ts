import { Logger } from '@nestjs/common';
import { FsError, SetAttrChanges } from '../../fuse';
import type { ObjectReaders } from '../read/object-readers';
import type { ResolvedS3Options } from '../s3-module-options.interface';
import type { S3ObjectStore } from '../store/s3-object.store';
import type { S3Attributes } from '../tree/s3-attributes';
import type { S3Node, S3Tree } from '../tree/s3-tree';
import { ObjectWriter } from './object-writer';

/** Changes to an object that no handle has open for writing: truncate, and chmod/chown/utimes. */
export class ObjectRewrites {
  constructor(
    private readonly store: S3ObjectStore,
    private readonly options: ResolvedS3Options,
    private readonly tree: S3Tree,
    private readonly attributes: S3Attributes,
    private readonly readers: ObjectReaders,
    private readonly logger: Logger,
  ) {}

  /** Uploads the file at `path` cut or zero-extended to `size` bytes. */
  async truncate(path: string, node: S3Node, size: number): Promise<void> {
    const key = this.tree.fileKey(path);
    const object = await this.store.head(key);
    if (!object) throw FsError.notFound();
    const writer =
      size === 0
        ? ObjectWriter.empty(this.store, this.options, key, object.metadata, this.logger)
        : ObjectWriter.existing(this.store, this.options, { key, size: node.size, etag: object.etag }, object.metadata, this.logger);
    try {
      await writer.truncate(size);
      await writer.commit();
    } finally {
      await writer.discard();
    }
    this.readers.evict(key);
  }

  /** mode/uid/gid/mtime live in object metadata: a copy of the object onto itself with the new metadata. */
  async changeMetadata(path: string, kind: S3Node['kind'], changes: SetAttrChanges): Promise<void> {
    const key = kind === 'dir' ? this.tree.dirPrefix(path) : this.tree.fileKey(path);
    const object = await this.store.head(key);
    const metadata = this.attributes.merged(kind, object?.metadata ?? {}, changes);
    if (!object) {
      if (kind !== 'dir') throw FsError.notFound();
      // A directory that exists only as a prefix gets a marker to carry its metadata.
      await this.store.put(key, Buffer.alloc(0), metadata, 0);
    } else {
      await this.store.copy(key, key, metadata, object.size);
    }
    this.tree.forget(path);
  }
}
