import { Logger } from '@nestjs/common';
import { FsError } from '../../fuse';

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchUpload']);
const DENIED = new Set(['AccessDenied', 'Forbidden', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AllAccessDisabled']);
const PRECONDITION = new Set(['PreconditionFailed']);

/**
 * Maps an error of the S3 client (after its own retries) to the errno a filesystem call answers: NoSuchKey → ENOENT,
 * access refused → EACCES, a failed If-Match (the object changed) → ESTALE, anything else → EIO. Everything but a
 * plain miss is logged, without the request's credentials or signature.
 */
export function toFsError(error: unknown, what: string, logger: Logger): FsError {
  if (error instanceof FsError) return error;
  const sdk = (error ?? {}) as SdkError;
  const name = sdk.name ?? sdk.code ?? '';
  const status = sdk.$metadata?.httpStatusCode;
  if (NOT_FOUND.has(name) || status === 404) return FsError.notFound(`${what}: not found`);
  if (DENIED.has(name) || status === 403) {
    logger.warn(`${what}: access denied by S3 (${name || status}). Check the credentials and the bucket policy.`);
    return FsError.accessDenied(`${what}: access denied`);
  }
  if (PRECONDITION.has(name) || status === 412) {
    logger.warn(`${what}: the object changed since it was opened; close and reopen the file to read the new version.`);
    return FsError.stale(`${what}: object changed`);
  }
  logger.error(`${what} failed: ${describeSdkError(sdk)}`);
  return FsError.io(`${what} failed`);
}

/** `Name (HTTP 503): message` — never the request itself, which carries the signature. */
export function describeSdkError(error: SdkError): string {
  // Node's network errors are plain Errors whose code says what happened (ECONNREFUSED, ECONNRESET, …).
  const name = error.name && error.name !== 'Error' ? error.name : (error.code ?? error.name ?? 'Error');
  const status = error.$metadata?.httpStatusCode;
  return `${name}${status ? ` (HTTP ${status})` : ''}: ${error.message ?? 'no message'}`;
}
