import { CommandRunner, Option } from 'nest-commander';
import { UsageError } from './usage.error';
import { parseOctalMask, parsePositiveInteger, parseSeconds, parseSize, parseUrl } from './option-parsers';

/** The s3 backend's flags, inherited by the mount command (nest-commander finds options on the prototype chain). */
export abstract class S3FlagsCommandBase extends CommandRunner {
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
}
