import { tmpdir } from 'node:os';
import { ObjectCannedACL, StorageClass } from '@aws-sdk/client-s3';
import type { Registry } from 'prom-client';
import { join } from 'node:path';
import type { FileKind } from '../fuse';
import { S3OptionsException } from './s3-options.exception';
import {
  BUCKET_OWNER_MESSAGE,
  KMS_KEY_WITHOUT_KMS_MESSAGE,
  MAX_INODES_MESSAGE,
  NO_BUCKET_MESSAGE,
  PART_SIZE_MESSAGE,
  UNKNOWN_CHOICE_MESSAGE,
} from './s3.messages';

/** Options of {@link S3Module}. Sizes are in bytes, durations in milliseconds. */
export interface S3ModuleOptions {
  bucket: string;
  /** Serve only the keys below this prefix (`photos/2024`); the trailing slash is added. */
  prefix?: string;
  /** An S3-compatible endpoint, e.g. `http://127.0.0.1:4568`; AWS when omitted. */
  endpoint?: string;
  /** The region; from the environment or shared config when omitted, else `us-east-1`. */
  region?: string;
  /** Path-style addressing (`endpoint/bucket/key`), needed by most S3-compatible servers. */
  forcePathStyle?: boolean;
  /** A named profile of the shared AWS config/credentials files. Credentials always come from the SDK's default chain. */
  profile?: string;
  /** A PEM file of extra CA certificates for the endpoint; default: the `AWS_CA_BUNDLE` environment variable. */
  caBundle?: string;
  /** Refuse every change (the mount is read-only). */
  readOnly?: boolean;
  /** How long object metadata (HEAD and listing results) is trusted; default 60000. Every open checks afresh. */
  metadataTtlMs?: number;
  /** How long a missing name is remembered as missing; default 1000. */
  negativeTtlMs?: number;
  /**
   * Show stored permissions only: a listing carries no object metadata, so a listed file or directory whose mode and
   * owner this mount has not read yet gets no attributes from the listing; its lookup asks S3 (a HEAD). Needed when
   * the kernel checks permissions for several users (`allowOther`); the CLI turns it on with `--allow-other`. Costs one
   * HEAD per listed name in `ls -l`. Default false.
   */
  storedPermissionsOnly?: boolean;
  /**
   * Symbolic links, stored as s3fs stores them (the target is the object's body; the mode in metadata says it is a
   * link). A listing cannot tell such an object from a small file, so with symlinks a listed object of at most 4,095
   * bytes (the longest target Linux allows) is looked up (a HEAD, many at once) before the listing shows it. Default
   * false: no object is a symlink — listings answer for every object without a request, and making a symlink is
   * refused.
   */
  symlinks?: boolean;
  /** Byte cap of the block cache shared by all open files; default 256 MiB. */
  cacheBytes?: number;
  /** Largest read-ahead window of one sequentially read file; default 64 MiB. */
  prefetchWindowBytes?: number;
  /** Cap on read-ahead bytes in flight across all open files; default 256 MiB. */
  prefetchTotalBytes?: number;
  /** Multipart upload part size; default 8 MiB (S3 allows 5 MiB – 5 GiB). */
  partSize?: number;
  /** Objects larger than this are copied (rename, chmod, …) part by part; default 5 GiB, S3's single-copy limit. */
  multipartCopyThresholdBytes?: number;
  /** Parts uploaded at once per file; default 4. */
  uploadConcurrency?: number;
  /** Timeout of one HTTP request, after which the SDK retries; default 30 000. */
  requestTimeoutMs?: number;
  /** Attempts per request including retries (5xx, throttling, network errors); default 4. */
  maxAttempts?: number;
  /**
   * Ranged reads of object data are signed with the SDK's signer and sent on the module's own keep-alive connections,
   * without the SDK's per-request pipeline (anything but a plain success is retried through the SDK); default true.
   * false sends every request through the SDK.
   */
  directReads?: boolean;
  /** Owner and modes of objects that carry none in their metadata; default: the daemon's uid/gid, 0644, 0755. */
  uid?: number;
  gid?: number;
  fileMode?: number;
  dirMode?: number;
  /** Where files written at random offsets are staged before upload; default `$TMPDIR/nestjs-fuse-s3`. */
  stagingDir?: string;
  /** Largest file that can be staged for random writes; default 16 GiB. Above it writes fail with EFBIG. */
  stagingMaxBytes?: number;
  /**
   * Inodes the mount keeps at most (about 200 bytes each); default 1,000,000. Past it, on the kernel transport, the
   * oldest files' names are handed back to the kernel, whose FORGETs drop them (a later lookup numbers them anew).
   */
  maxInodes?: number;
  /** Server-side encryption of every object written (PUT, multipart upload, copy); default: the bucket's. */
  serverSideEncryption?: S3Encryption;
  /** The KMS key of `aws:kms` or `aws:kms:dsse` encryption; default: the account's S3 key. */
  sseKmsKeyId?: string;
  /** The storage class of every object written; default: the bucket's (STANDARD). */
  storageClass?: StorageClass;
  /** The canned ACL of every object written; default: none sent (the bucket's ownership rules apply). */
  acl?: ObjectCannedACL;
  /** Every request says the requester pays (buckets with Requester Pays on). */
  requesterPays?: boolean;
  /** Every request names the account that must own the bucket (S3 refuses it with 403 otherwise). */
  expectedBucketOwner?: string;
  /** Sign requests with the credentials the SDK finds (default true); false sends them anonymously (public buckets). */
  signRequests?: boolean;
  /** A checksum S3 verifies on every upload (PUT and each part); default `off`: none beyond what S3 requires. */
  uploadChecksum?: UploadChecksum;
  /**
   * A prom-client registry to report this bucket's S3 requests, uploads and block cache in (`nestjs_fuse_s3_…`,
   * labelled with the bucket; docs/OPERATIONS.md lists them).
   */
  metrics?: Registry;
}

/** Options that stay unset unless given: the SDK's, the bucket's or S3's own default applies. */
type UnsetByDefault =
  | 'endpoint'
  | 'region'
  | 'profile'
  | 'caBundle'
  | 'metrics'
  | 'serverSideEncryption'
  | 'sseKmsKeyId'
  | 'storageClass'
  | 'acl'
  | 'expectedBucketOwner';

export interface ResolvedS3Options extends Required<Omit<S3ModuleOptions, UnsetByDefault>>, Pick<S3ModuleOptions, UnsetByDefault> {}

/** Server-side encryption S3 offers for objects written by clients. */
export const S3_ENCRYPTIONS = ['AES256', 'aws:kms', 'aws:kms:dsse'] as const;
export type S3Encryption = (typeof S3_ENCRYPTIONS)[number];
export const UPLOAD_CHECKSUMS = ['crc32c', 'crc32', 'sha256', 'off'] as const;
export type UploadChecksum = (typeof UPLOAD_CHECKSUMS)[number];
export const STORAGE_CLASSES: readonly StorageClass[] = Object.values(StorageClass);
export const CANNED_ACLS: readonly ObjectCannedACL[] = Object.values(ObjectCannedACL);

const MiB = 1024 * 1024;

export function resolveS3Options(options: S3ModuleOptions): ResolvedS3Options {
  if (!options.bucket) throw new S3OptionsException(NO_BUCKET_MESSAGE);
  const partSize = options.partSize ?? 8 * MiB;
  if (partSize < 5 * MiB || partSize > 5 * 1024 * MiB) {
    throw new S3OptionsException(PART_SIZE_MESSAGE(partSize));
  }
  checkWriteOptions(options);
  const maxInodes = options.maxInodes ?? 1_000_000;
  if (!Number.isInteger(maxInodes) || maxInodes < 1000) throw new S3OptionsException(MAX_INODES_MESSAGE(maxInodes));
  const prefix = (options.prefix ?? '').replace(/^\/+/, '').replace(/\/+$/, '');
  return {
    ...options,
    prefix: prefix === '' ? '' : `${prefix}/`,
    forcePathStyle: options.forcePathStyle ?? false,
    caBundle: options.caBundle ?? process.env.AWS_CA_BUNDLE,
    readOnly: options.readOnly ?? false,
    metadataTtlMs: options.metadataTtlMs ?? 60_000,
    negativeTtlMs: options.negativeTtlMs ?? 1_000,
    storedPermissionsOnly: options.storedPermissionsOnly ?? false,
    symlinks: options.symlinks ?? false,
    cacheBytes: options.cacheBytes ?? 256 * MiB,
    prefetchWindowBytes: options.prefetchWindowBytes ?? 64 * MiB,
    prefetchTotalBytes: options.prefetchTotalBytes ?? 256 * MiB,
    partSize,
    uploadConcurrency: options.uploadConcurrency ?? 4,
    multipartCopyThresholdBytes: options.multipartCopyThresholdBytes ?? 5 * 1024 * MiB,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    maxAttempts: options.maxAttempts ?? 4,
    directReads: options.directReads ?? true,
    uid: options.uid ?? process.getuid?.() ?? 0,
    gid: options.gid ?? process.getgid?.() ?? 0,
    fileMode: options.fileMode ?? 0o644,
    dirMode: options.dirMode ?? 0o755,
    stagingDir: options.stagingDir ?? join(tmpdir(), 'nestjs-fuse-s3'),
    stagingMaxBytes: options.stagingMaxBytes ?? 16 * 1024 * MiB,
    maxInodes,
    requesterPays: options.requesterPays ?? false,
    signRequests: options.signRequests ?? true,
    uploadChecksum: options.uploadChecksum ?? 'off',
  };
}

/** Options an application passes in code are checked as the CLI checks its flags. */
function checkWriteOptions(options: S3ModuleOptions): void {
  const choice = <T extends string>(name: string, value: T | undefined, choices: readonly T[]): void => {
    if (value !== undefined && !choices.includes(value)) throw new S3OptionsException(UNKNOWN_CHOICE_MESSAGE(name, value, choices));
  };
  choice('serverSideEncryption', options.serverSideEncryption, S3_ENCRYPTIONS);
  choice('storageClass', options.storageClass, STORAGE_CLASSES);
  choice('acl', options.acl, CANNED_ACLS);
  choice('uploadChecksum', options.uploadChecksum, UPLOAD_CHECKSUMS);
  if (options.sseKmsKeyId !== undefined && !options.serverSideEncryption?.startsWith('aws:kms')) {
    throw new S3OptionsException(KMS_KEY_WITHOUT_KMS_MESSAGE(options.serverSideEncryption));
  }
  if (options.expectedBucketOwner !== undefined && !/^\d{12}$/.test(options.expectedBucketOwner)) {
    throw new S3OptionsException(BUCKET_OWNER_MESSAGE(options.expectedBucketOwner));
  }
}

/** The permissions a name shows when its object stores none: `fileMode`, `dirMode`, or 777 for a symlink. */
export function defaultPerm(kind: FileKind, options: Pick<ResolvedS3Options, 'fileMode' | 'dirMode'>): number {
  return kind === 'dir' ? options.dirMode : kind === 'symlink' ? 0o777 : options.fileMode;
}
