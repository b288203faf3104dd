import { decodeMetadata } from '../tree/s3-metadata';
import type { S3Node } from '../tree/s3-tree';
import type { ObjectWriter } from './object-writer';

/** A file open for writing as its writer holds it now: the size and metadata it will upload, not the bucket's. */
export function pendingNode(writer: ObjectWriter): S3Node {
  const meta = decodeMetadata(writer.metadata);
  return { kind: 'file', size: writer.size, mtime: meta.mtime ?? new Date(), etag: '', meta, complete: true };
}
