import type { ObjectCannedACL, StorageClass } from '@aws-sdk/client-s3';
import { FuseOp } from '../../modules/fuse';
import { S3Module, S3ModuleOptions } from '../../modules/s3';
import { CANNED_ACLS, S3_ENCRYPTIONS, STORAGE_CLASSES, UPLOAD_CHECKSUMS } from '../../modules/s3/s3-module-options.interface';
import { parseChoice, parseOctalMask, parsePositiveInteger, parseSeconds, parseSize, parseUrl } from '../option-parsers';
import { UsageError } from '../usage.error';
import type { Backend } from './backend';
import { BackendFlag, moduleOptionsOf, switchFlag, valueFlag } from './backend-flag';

const text = (_flag: string, value: string): string => value;
const milliseconds = (seconds: number): number => seconds * 1000;

function atLeast1000(flag: string, value: string): number {
  const count = parsePositiveInteger(flag, value);
  if (count < 1000) throw new UsageError(`${flag} must be at least 1000, got "${value}".`);
  return count;
}

function kmsKey(flag: string, value: string): string {
  if (value.trim() === '') throw new UsageError(`${flag} needs a KMS key id or ARN.`);
  return value;
}

function accountId(flag: string, value: string): string {
  if (!/^\d{12}$/.test(value)) throw new UsageError(`${flag} needs a 12-digit AWS account id, got "${value}".`);
  return value;
}

/** The s3 backend's own flags, each declared once: the help, the parsing and the S3Module option it sets. */
export const S3_FLAGS: ReadonlyArray<BackendFlag<S3ModuleOptions>> = [
  valueFlag('--endpoint <url>', 'an S3-compatible endpoint, e.g. http://127.0.0.1:9000 (default: AWS)', parseUrl, (endpoint) => ({ endpoint })),
  valueFlag('--region <region>', "the bucket's region (default: AWS_REGION or the shared config; us-east-1 with --endpoint)", text, (region) => ({
    region,
  })),
  switchFlag('--path-style', 'path-style addressing (endpoint/bucket/key), for most S3-compatible servers', (forcePathStyle) => ({ forcePathStyle })),
  valueFlag('--profile <name>', 'a profile of ~/.aws/config and ~/.aws/credentials (credentials never come from flags)', text, (profile) => ({
    profile,
  })),
  valueFlag('--ca-bundle <file>', 'PEM file of extra CA certificates (default: $AWS_CA_BUNDLE)', text, (caBundle) => ({ caBundle })),
  valueFlag(
    '--metadata-ttl <seconds>',
    'how long object metadata and listings are trusted (every open checks the object afresh); default 60',
    parseSeconds,
    (seconds) => ({ metadataTtlMs: milliseconds(seconds) }),
  ),
  valueFlag('--negative-ttl <seconds>', 'how long a missing name is remembered as missing; default 1', parseSeconds, (seconds) => ({
    negativeTtlMs: milliseconds(seconds),
  })),
  switchFlag(
    '--symlinks',
    'symbolic links as s3fs stores them (ln -s works); a listing then HEADs every object of up to 4 KiB, which could be one',
    (symlinks) => ({ symlinks }),
  ),
  switchFlag('--no-symlinks', 'no object is a symbolic link, and making one is refused (the default)', (symlinks) => ({ symlinks })),
  valueFlag('--cache-size <size>', 'block cache size shared by all files, e.g. 256M (default 256M)', parseSize, (cacheBytes) => ({ cacheBytes })),
  valueFlag('--prefetch-window <size>', 'largest read-ahead of one sequentially read file (default 64M)', parseSize, (prefetchWindowBytes) => ({
    prefetchWindowBytes,
  })),
  valueFlag('--prefetch-total <size>', 'cap on read-ahead in flight across all files (default 256M)', parseSize, (prefetchTotalBytes) => ({
    prefetchTotalBytes,
  })),
  valueFlag('--part-size <size>', 'multipart upload part size, 5M–5G (default 8M)', parseSize, (partSize) => ({ partSize })),
  valueFlag('--upload-concurrency <n>', 'parts uploaded at once per file (default 4)', parsePositiveInteger, (uploadConcurrency) => ({
    uploadConcurrency,
  })),
  valueFlag(
    '--request-timeout <ms>',
    'timeout of one HTTP request before it is retried (default 30000)',
    parsePositiveInteger,
    (requestTimeoutMs) => ({
      requestTimeoutMs,
    }),
  ),
  valueFlag('--max-attempts <n>', 'attempts per request, retries included (default 4)', parsePositiveInteger, (maxAttempts) => ({ maxAttempts })),
  switchFlag('--sdk-reads', 'send object reads through the AWS SDK too, instead of directly signed requests', (sdkReads) => ({
    directReads: !sdkReads,
  })),
  valueFlag('--file-mode <octal>', 'permissions of files without stored metadata (default 644)', parseOctalMask, (fileMode) => ({ fileMode })),
  valueFlag('--dir-mode <octal>', 'permissions of directories without stored metadata (default 755)', parseOctalMask, (dirMode) => ({ dirMode })),
  valueFlag('--staging-dir <dir>', 'where files changed at random offsets are staged (default $TMPDIR/nestjs-fuse-s3)', text, (stagingDir) => ({
    stagingDir,
  })),
  valueFlag('--staging-max <size>', 'largest file that can be changed in place (default 16G); larger: EFBIG', parseSize, (stagingMaxBytes) => ({
    stagingMaxBytes,
  })),
  valueFlag(
    '--max-inodes <count>',
    'inodes kept at most (default 1000000, ~200 bytes each); past it the kernel is asked to forget the oldest files',
    atLeast1000,
    (maxInodes) => ({ maxInodes }),
  ),
  valueFlag(
    '--sse <type>',
    `encrypt every object written: ${S3_ENCRYPTIONS.join(', ')} (default: the bucket's)`,
    (flag, value) => parseChoice(flag, value, S3_ENCRYPTIONS),
    (serverSideEncryption) => ({ serverSideEncryption }),
  ),
  valueFlag('--sse-kms-key-id <key>', "the KMS key (id or ARN) of --sse aws:kms (default: the account's S3 key)", kmsKey, (sseKmsKeyId) => ({
    sseKmsKeyId,
  })),
  valueFlag(
    '--storage-class <class>',
    "storage class of every object written, e.g. STANDARD_IA (default: the bucket's)",
    (flag, value): StorageClass => parseChoice(flag, value, STORAGE_CLASSES),
    (storageClass) => ({ storageClass }),
  ),
  valueFlag(
    '--acl <acl>',
    'canned ACL of every object written, e.g. bucket-owner-full-control (default: none sent)',
    (flag, value): ObjectCannedACL => parseChoice(flag, value, CANNED_ACLS),
    (acl) => ({ acl }),
  ),
  switchFlag('--requester-pays', 'the requester pays for requests and transfer (Requester Pays buckets)', (requesterPays) => ({ requesterPays })),
  valueFlag(
    '--expected-bucket-owner <account>',
    'the 12-digit account that must own the bucket; S3 refuses requests otherwise',
    accountId,
    (owner) => ({
      expectedBucketOwner: owner,
    }),
  ),
  switchFlag('--no-sign-request', 'send requests unsigned, without credentials (public buckets)', (signRequests) => ({ signRequests })),
  valueFlag(
    '--upload-checksum <algorithm>',
    `a checksum S3 verifies on every upload: ${UPLOAD_CHECKSUMS.join(', ')} (default off)`,
    (flag, value) => parseChoice(flag, value, UPLOAD_CHECKSUMS),
    (uploadChecksum) => ({ uploadChecksum }),
  ),
];

/** Bucket names as S3 allows them (3–63 characters of lowercase letters, digits, dots and hyphens). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Closing or syncing a file uploads it, rename, chmod or truncate copy objects server-side, and opening an object for
 * writing (or its first write at an offset) downloads it whole into the staging file: minutes for large files or big
 * directories, which is progress, not a hang.
 */
const UPLOAD_DEADLINE_MS = 60 * 60 * 1000;

/** A bucket, or a prefix of one: `nestjs-fuse mount <dir> s3 <bucket>[/<prefix>]`. */
export const S3_BACKEND: Backend = {
  name: 's3',
  filesystem: 's3',
  flags: S3_FLAGS,
  deadlines: {
    [FuseOp.Open]: UPLOAD_DEADLINE_MS,
    [FuseOp.Write]: UPLOAD_DEADLINE_MS,
    [FuseOp.Flush]: UPLOAD_DEADLINE_MS,
    [FuseOp.Fsync]: UPLOAD_DEADLINE_MS,
    [FuseOp.Release]: UPLOAD_DEADLINE_MS,
    [FuseOp.Rename]: UPLOAD_DEADLINE_MS,
    [FuseOp.SetAttr]: UPLOAD_DEADLINE_MS,
  },
  async module(source, options, _mountpoint, metrics) {
    const [bucket, ...rest] = source.replace(/^s3:\/\//, '').split('/');
    if (!BUCKET_NAME.test(bucket)) {
      throw new UsageError(`"${bucket}" is not a valid bucket name. Pass <bucket> or <bucket>/<prefix>, e.g. my-bucket/photos.`);
    }
    const s3Options: S3ModuleOptions = {
      ...moduleOptionsOf(S3_FLAGS, options),
      bucket,
      prefix: rest.join('/'),
      readOnly: options.readOnly,
      // Other users' access is checked against these attributes: a listing's defaults must never stand in for them.
      storedPermissionsOnly: options.allowOther === true,
      metrics,
    };
    if (s3Options.sseKmsKeyId !== undefined && !s3Options.serverSideEncryption?.startsWith('aws:kms')) {
      throw new UsageError('--sse-kms-key-id needs KMS encryption: add --sse aws:kms (or aws:kms:dsse).');
    }
    if (s3Options.partSize !== undefined && (s3Options.partSize < 5 * 1024 ** 2 || s3Options.partSize > 5 * 1024 ** 3)) {
      throw new UsageError("--part-size must be between 5M and 5G (S3's limits).");
    }
    return S3Module.forRoot(s3Options);
  },
  describe: (source) => `s3://${source.replace(/^s3:\/\//, '')}`,
};
