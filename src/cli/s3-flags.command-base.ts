import { Option } from 'nest-commander';
import { CliCommand } from './cli-command';
import { UsageError } from './usage.error';
import type { ObjectCannedACL, StorageClass } from '@aws-sdk/client-s3';
import {
  CANNED_ACLS,
  S3_ENCRYPTIONS,
  S3Encryption,
  STORAGE_CLASSES,
  UPLOAD_CHECKSUMS,
  UploadChecksum,
} from '../modules/s3/s3-module-options.interface';
import { parseChoice, parseOctalMask, parsePositiveInteger, parseSeconds, parseSize, parseUrl } from './option-parsers';

/** The s3 backend's flags, inherited by the mount command (nest-commander finds options on the prototype chain). */
export abstract class S3FlagsCommandBase extends CliCommand {
  @Option({ flags: '--endpoint <url>', description: 's3: an S3-compatible endpoint, e.g. http://127.0.0.1:9000 (default: AWS)' })
  parseEndpoint(value: string): string {
    return parseUrl('--endpoint', value);
  }

  @Option({
    flags: '--region <region>',
    description: "s3: the bucket's region (default: AWS_REGION or the shared config; us-east-1 with --endpoint)",
  })
  parseRegion(value: string): string {
    return value;
  }

  @Option({ flags: '--path-style', description: 's3: path-style addressing (endpoint/bucket/key), for most S3-compatible servers' })
  parsePathStyle(): boolean {
    return true;
  }

  @Option({ flags: '--profile <name>', description: 's3: a profile of ~/.aws/config and ~/.aws/credentials (credentials never come from flags)' })
  parseProfile(value: string): string {
    return value;
  }

  @Option({ flags: '--ca-bundle <file>', description: 's3: PEM file of extra CA certificates (default: $AWS_CA_BUNDLE)' })
  parseCaBundle(value: string): string {
    return value;
  }

  @Option({
    flags: '--metadata-ttl <seconds>',
    description: 's3: how long object metadata and listings are trusted (every open checks the object afresh); default 60',
  })
  parseMetadataTtl(value: string): number {
    return parseSeconds('--metadata-ttl', value);
  }

  @Option({
    flags: '--symlinks',
    description: 's3: symbolic links as s3fs stores them (ln -s works); a listing then HEADs every object of up to 4 KiB, which could be one',
  })
  parseSymlinks(): boolean {
    return true;
  }

  @Option({ flags: '--no-symlinks', description: 's3: no object is a symbolic link, and making one is refused (the default)' })
  parseNoSymlinks(): boolean {
    return false;
  }

  @Option({ flags: '--negative-ttl <seconds>', description: 's3: how long a missing name is remembered as missing; default 1' })
  parseNegativeTtl(value: string): number {
    return parseSeconds('--negative-ttl', value);
  }

  @Option({ flags: '--cache-size <size>', description: 's3: block cache size shared by all files, e.g. 256M (default 256M)' })
  parseCacheSize(value: string): number {
    return parseSize('--cache-size', value);
  }

  @Option({ flags: '--prefetch-window <size>', description: 's3: largest read-ahead of one sequentially read file (default 64M)' })
  parsePrefetchWindow(value: string): number {
    return parseSize('--prefetch-window', value);
  }

  @Option({ flags: '--prefetch-total <size>', description: 's3: cap on read-ahead in flight across all files (default 256M)' })
  parsePrefetchTotal(value: string): number {
    return parseSize('--prefetch-total', value);
  }

  @Option({ flags: '--part-size <size>', description: 's3: multipart upload part size, 5M–5G (default 8M)' })
  parsePartSize(value: string): number {
    return parseSize('--part-size', value);
  }

  @Option({ flags: '--upload-concurrency <n>', description: 's3: parts uploaded at once per file (default 4)' })
  parseUploadConcurrency(value: string): number {
    return parsePositiveInteger('--upload-concurrency', value);
  }

  @Option({ flags: '--request-timeout <ms>', description: 's3: timeout of one HTTP request before it is retried (default 30000)' })
  parseRequestTimeout(value: string): number {
    return parsePositiveInteger('--request-timeout', value);
  }

  @Option({ flags: '--max-attempts <n>', description: 's3: attempts per request, retries included (default 4)' })
  parseMaxAttempts(value: string): number {
    return parsePositiveInteger('--max-attempts', value);
  }

  @Option({ flags: '--sdk-reads', description: 's3: send object reads through the AWS SDK too, instead of directly signed requests' })
  parseSdkReads(): boolean {
    return true;
  }

  @Option({ flags: '--file-mode <octal>', description: 's3: permissions of files without stored metadata (default 644)' })
  parseFileMode(value: string): number {
    return parseOctalMask('--file-mode', value);
  }

  @Option({ flags: '--dir-mode <octal>', description: 's3: permissions of directories without stored metadata (default 755)' })
  parseDirMode(value: string): number {
    return parseOctalMask('--dir-mode', value);
  }

  @Option({ flags: '--staging-dir <dir>', description: 's3: where files changed at random offsets are staged (default $TMPDIR/nestjs-fuse-s3)' })
  parseStagingDir(value: string): string {
    return value;
  }

  @Option({ flags: '--staging-max <size>', description: 's3: largest file that can be changed in place (default 16G); larger: EFBIG' })
  parseStagingMax(value: string): number {
    return parseSize('--staging-max', value);
  }

  @Option({
    flags: '--max-inodes <count>',
    description: 's3: inodes kept at most (default 1000000, ~200 bytes each); past it the kernel is asked to forget the oldest files',
  })
  parseMaxInodes(value: string): number {
    const count = parsePositiveInteger('--max-inodes', value);
    if (count < 1000) throw new UsageError(`--max-inodes must be at least 1000, got "${value}".`);
    return count;
  }
  @Option({ flags: '--sse <type>', description: `s3: encrypt every object written: ${S3_ENCRYPTIONS.join(', ')} (default: the bucket's)` })
  parseSse(value: string): S3Encryption {
    return parseChoice('--sse', value, S3_ENCRYPTIONS);
  }

  @Option({ flags: '--sse-kms-key-id <key>', description: "s3: the KMS key (id or ARN) of --sse aws:kms (default: the account's S3 key)" })
  parseSseKmsKeyId(value: string): string {
    if (value.trim() === '') throw new UsageError('--sse-kms-key-id needs a KMS key id or ARN.');
    return value;
  }

  @Option({ flags: '--storage-class <class>', description: "s3: storage class of every object written, e.g. STANDARD_IA (default: the bucket's)" })
  parseStorageClass(value: string): StorageClass {
    return parseChoice('--storage-class', value, STORAGE_CLASSES);
  }

  @Option({ flags: '--acl <acl>', description: 's3: canned ACL of every object written, e.g. bucket-owner-full-control (default: none sent)' })
  parseAcl(value: string): ObjectCannedACL {
    return parseChoice('--acl', value, CANNED_ACLS);
  }

  @Option({ flags: '--requester-pays', description: 's3: the requester pays for requests and transfer (Requester Pays buckets)' })
  parseRequesterPays(): boolean {
    return true;
  }

  @Option({
    flags: '--expected-bucket-owner <account>',
    description: 's3: the 12-digit account that must own the bucket; S3 refuses requests otherwise',
  })
  parseExpectedBucketOwner(value: string): string {
    if (!/^\d{12}$/.test(value)) throw new UsageError(`--expected-bucket-owner needs a 12-digit AWS account id, got "${value}".`);
    return value;
  }

  @Option({ flags: '--no-sign-request', description: 's3: send requests unsigned, without credentials (public buckets)' })
  parseNoSignRequest(): boolean {
    return false;
  }

  @Option({
    flags: '--upload-checksum <algorithm>',
    description: `s3: a checksum S3 verifies on every upload: ${UPLOAD_CHECKSUMS.join(', ')} (default off)`,
  })
  parseUploadChecksum(value: string): UploadChecksum {
    return parseChoice('--upload-checksum', value, UPLOAD_CHECKSUMS);
  }
}
