import type { ObjectCannedACL, StorageClass } from '@aws-sdk/client-s3';
import type { FuseTransportKind, PageCachePolicy } from '../modules/fuse';
import type { LogFormat, LogLevelName } from './daemon-logger';
import type { S3Encryption, UploadChecksum } from '../modules/s3/s3-module-options.interface';

/** The parsed flags of `nestjs-fuse mount`. */
export interface MountCommandOptions {
  readOnly?: boolean;
  allowOther?: boolean;
  allowNonEmpty?: boolean;
  mkdir?: boolean;
  debug?: boolean;
  uid?: number;
  gid?: number;
  umask?: number;
  entryTtl?: number;
  attrTtl?: number;
  pageCache?: PageCachePolicy;
  transport?: FuseTransportKind | 'auto';
  writebackCache?: boolean;
  passthrough?: boolean;
  deadline?: number;
  fsname?: string;
  xattrs?: boolean;
  opStats?: boolean;
  daemon?: boolean;
  metricsPort?: number;
  logLevel?: LogLevelName;
  logFormat?: LogFormat;
  logFile?: string;
  metricsHost?: string;
  // local only
  inlineMetadata?: boolean;
  // s3 only
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
  profile?: string;
  caBundle?: string;
  metadataTtl?: number;
  negativeTtl?: number;
  cacheSize?: number;
  prefetchWindow?: number;
  prefetchTotal?: number;
  partSize?: number;
  uploadConcurrency?: number;
  requestTimeout?: number;
  maxAttempts?: number;
  sdkReads?: boolean;
  fileMode?: number;
  dirMode?: number;
  stagingDir?: string;
  stagingMax?: number;
  maxInodes?: number;
  symlinks?: boolean;
  sse?: S3Encryption;
  sseKmsKeyId?: string;
  storageClass?: StorageClass;
  acl?: ObjectCannedACL;
  requesterPays?: boolean;
  expectedBucketOwner?: string;
  signRequest?: boolean;
  uploadChecksum?: UploadChecksum;
}

/** Flags that mean nothing to the local backend, by option name. */
export const S3_ONLY_FLAGS: Readonly<Partial<Record<keyof MountCommandOptions, string>>> = {
  endpoint: '--endpoint',
  region: '--region',
  pathStyle: '--path-style',
  profile: '--profile',
  caBundle: '--ca-bundle',
  metadataTtl: '--metadata-ttl',
  negativeTtl: '--negative-ttl',
  cacheSize: '--cache-size',
  prefetchWindow: '--prefetch-window',
  prefetchTotal: '--prefetch-total',
  partSize: '--part-size',
  uploadConcurrency: '--upload-concurrency',
  requestTimeout: '--request-timeout',
  maxAttempts: '--max-attempts',
  sdkReads: '--sdk-reads',
  fileMode: '--file-mode',
  dirMode: '--dir-mode',
  stagingDir: '--staging-dir',
  stagingMax: '--staging-max',
  maxInodes: '--max-inodes',
  sse: '--sse',
  sseKmsKeyId: '--sse-kms-key-id',
  storageClass: '--storage-class',
  acl: '--acl',
  requesterPays: '--requester-pays',
  expectedBucketOwner: '--expected-bucket-owner',
  signRequest: '--no-sign-request',
  uploadChecksum: '--upload-checksum',
  symlinks: '--symlinks',
};

/** Flags that mean nothing to the s3 backend, by option name. */
export const LOCAL_ONLY_FLAGS: Readonly<Partial<Record<keyof MountCommandOptions, string>>> = {
  inlineMetadata: '--no-inline-metadata',
};
