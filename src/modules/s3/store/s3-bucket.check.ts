import { describeSdkError } from './s3-errno.mapper';
import type { ResolvedS3Options } from '../s3-module-options.interface';
import type { S3ObjectStore } from './s3-object.store';
import { S3SetupException } from '../s3-setup.exception';

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const NETWORK = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|socket hang up|TimeoutError|RequestTimeout/i;

/**
 * One HeadBucket before anything is mounted, so a wrong bucket, endpoint or credentials is one clear line and a
 * non-zero exit instead of a mount whose every call fails.
 */
export async function checkBucket(store: S3ObjectStore, options: ResolvedS3Options): Promise<void> {
  const where = options.endpoint ? `at ${options.endpoint}` : 'on AWS';
  try {
    await store.headBucket();
  } catch (error) {
    const sdk = (error ?? {}) as SdkError;
    const name = sdk.name ?? sdk.code ?? '';
    const status = sdk.$metadata?.httpStatusCode;
    const text = `${name} ${sdk.message ?? ''} ${String((error as { cause?: unknown }).cause ?? '')}`;
    if (status === 404 || name === 'NotFound' || name === 'NoSuchBucket') {
      throw new S3SetupException(`Bucket "${options.bucket}" does not exist ${where}. Check the bucket name (and --region), or create it first.`);
    }
    if (name === 'CredentialsProviderError' || (/Could not load credentials|credential/i.test(text) && !status)) {
      throw new S3SetupException(
        `No AWS credentials found for bucket "${options.bucket}". Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ` +
          'or AWS_PROFILE / --profile with a profile in ~/.aws/credentials or ~/.aws/config (SSO and instance roles work too).',
      );
    }
    if (status === 403 || /InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|Forbidden/.test(name)) {
      throw new S3SetupException(
        `Access to bucket "${options.bucket}" ${where} was refused (${name || `HTTP ${status}`}). ` +
          'Check the credentials (AWS_ACCESS_KEY_ID / AWS_PROFILE / --profile) and that they may list and read this bucket.',
      );
    }
    if (status === 301 || name === 'PermanentRedirect') {
      throw new S3SetupException(`Bucket "${options.bucket}" is in another region. Pass its region with --region.`);
    }
    if (/Region is missing/i.test(text)) {
      throw new S3SetupException('No AWS region is configured. Pass --region, or set AWS_REGION.');
    }
    if (NETWORK.test(text)) {
      throw new S3SetupException(
        `Cannot reach the S3 endpoint ${options.endpoint ?? '(AWS)'} for bucket "${options.bucket}": ${describeSdkError(sdk)}. ` +
          'Check --endpoint (scheme, host and port) and that the server is running.',
      );
    }
    throw new S3SetupException(`Bucket "${options.bucket}" ${where} cannot be used: ${describeSdkError(sdk)}.`);
  }
}
