import type { ObjectMetadata } from '../store/s3-object.store';

/** Where content is uploaded to, read when each request goes out: a rename or a chmod of the open file changes it. */
export interface UploadTarget {
  readonly key: string;
  readonly metadata: ObjectMetadata;
}
