import type { DynamicModule } from '@nestjs/common';
import { realpath, stat } from 'node:fs/promises';
import type { Registry } from 'prom-client';
import { resolve } from 'node:path';
import { FuseOp } from '../modules/fuse';
import { LocalModule } from '../modules/local';
import { S3Module, S3ModuleOptions } from '../modules/s3';
import type { MountCommandOptions } from './mount-command-options';
import { LOCAL_ONLY_FLAGS, S3_ONLY_FLAGS } from './mount-command-options';
import { UsageError } from './usage.error';

/** Whether `flag` was on the command line: a `--no-x` flag leaves x true when absent, so only false means given. */
function given(value: unknown, flag: string): boolean {
  return flag.startsWith('--no-') ? value === false : value !== undefined;
}

/** A usage error for the first of `flags` given to a backend other than `owner`. */
function refuseFlags(options: MountCommandOptions, flags: Partial<Record<keyof MountCommandOptions, string>>, owner: string): void {
  const misplaced = Object.entries(flags).find(([option, flag]) => given(options[option as keyof MountCommandOptions], flag));
  if (misplaced) throw new UsageError(`${misplaced[1]} only applies to the ${owner} backend.`);
}

export interface Backend {
  /** The `@FuseFilesystem()` name the backend registers. */
  filesystem: string;
  /** Per-op deadlines that differ from the general one (ops that legitimately take long on this backend). */
  deadlines?: Partial<Record<FuseOp, number>>;
  /** Checks the source argument and the flags against the (resolved) mountpoint, and builds the backend's module. */
  module(source: string, options: MountCommandOptions, mountpoint: string, metrics?: Registry): Promise<DynamicModule>;
  describe(source: string): string;
}

const local: Backend = {
  filesystem: 'local',
  async module(source, options, mountpoint) {
    refuseFlags(options, S3_ONLY_FLAGS, 's3');
    const root = resolve(source);
    const info = await stat(root).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(
        error.code === 'ENOENT'
          ? `local directory ${root} does not exist. Pass an existing directory to serve.`
          : `local directory ${root} cannot be read (${error.code}). Check its permissions.`,
      );
    });
    if (!info.isDirectory()) throw new UsageError(`local source ${root} is not a directory. Pass a directory to serve.`);
    const [realRoot, realMountpoint] = await Promise.all([realpath(root), realpath(mountpoint).catch(() => mountpoint)]);
    if (realRoot === realMountpoint || realRoot.startsWith(`${realMountpoint}/`)) {
      throw new UsageError(
        `local source ${root} is inside the mountpoint ${mountpoint}: the mount would hide it and serve itself. Serve a directory outside the mountpoint.`,
      );
    }
    return LocalModule.forRoot({ root, inlineMetadata: options.inlineMetadata });
  },
  describe: (source) => `local:${resolve(source)}`,
};

/** Bucket names as S3 allows them (3–63 characters of lowercase letters, digits, dots and hyphens). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Closing or syncing a file uploads it, rename, chmod or truncate copy objects server-side, and opening an object for
 * writing (or its first write at an offset) downloads it whole into the staging file: minutes for large files or big
 * directories, which is progress, not a hang.
 */
const UPLOAD_DEADLINE_MS = 60 * 60 * 1000;

const s3: Backend = {
  filesystem: 's3',
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
    refuseFlags(options, LOCAL_ONLY_FLAGS, 'local');
    const [bucket, ...rest] = source.replace(/^s3:\/\//, '').split('/');
    if (!BUCKET_NAME.test(bucket)) {
      throw new UsageError(`"${bucket}" is not a valid bucket name. Pass <bucket> or <bucket>/<prefix>, e.g. my-bucket/photos.`);
    }
    const s3Options: S3ModuleOptions = {
      bucket,
      prefix: rest.join('/'),
      endpoint: options.endpoint,
      region: options.region,
      forcePathStyle: options.pathStyle,
      profile: options.profile,
      caBundle: options.caBundle,
      readOnly: options.readOnly,
      metadataTtlMs: options.metadataTtl === undefined ? undefined : options.metadataTtl * 1000,
      negativeTtlMs: options.negativeTtl === undefined ? undefined : options.negativeTtl * 1000,
      // Other users' access is checked against these attributes: a listing's defaults must never stand in for them.
      storedPermissionsOnly: options.allowOther === true,
      symlinks: options.symlinks,
      cacheBytes: options.cacheSize,
      prefetchWindowBytes: options.prefetchWindow,
      prefetchTotalBytes: options.prefetchTotal,
      partSize: options.partSize,
      uploadConcurrency: options.uploadConcurrency,
      requestTimeoutMs: options.requestTimeout,
      maxAttempts: options.maxAttempts,
      directReads: !options.sdkReads,
      fileMode: options.fileMode,
      dirMode: options.dirMode,
      stagingDir: options.stagingDir,
      stagingMaxBytes: options.stagingMax,
      maxInodes: options.maxInodes,
      metrics,
      serverSideEncryption: options.sse,
      sseKmsKeyId: options.sseKmsKeyId,
      storageClass: options.storageClass,
      acl: options.acl,
      requesterPays: options.requesterPays,
      expectedBucketOwner: options.expectedBucketOwner,
      signRequests: options.signRequest,
      uploadChecksum: options.uploadChecksum,
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

export const BACKENDS: Readonly<Record<string, Backend>> = { local, s3 };

export function backendNamed(name: string): Backend {
  const backend = BACKENDS[name];
  if (!backend) {
    throw new UsageError(`unknown backend "${name}". Use one of: ${Object.keys(BACKENDS).join(', ')}.`);
  }
  return backend;
}
