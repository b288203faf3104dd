import { S3Client } from '@aws-sdk/client-s3';
import { readFile } from 'node:fs/promises';
import type { ResolvedS3Options } from '../s3-module-options.interface';
import { applyRequestParameters } from './s3-request-parameters';
import { S3SetupException } from '../s3-setup.exception';
import { CA_BUNDLE_MESSAGE } from '../s3.messages';

/**
 * The S3 client of a mount. Credentials come from the SDK's default provider chain only (environment, shared
 * config and credentials files with an optional profile, SSO, web identity, container and instance metadata), never
 * from a command-line flag (or none, with `signRequests: false`). Retries with backoff for 5xx, throttling and network
 * errors are the SDK's standard mode.
 */
export async function createS3Client(options: ResolvedS3Options): Promise<S3Client> {
  const ca = await readCaBundle(options.caBundle);
  const agent = { keepAlive: true, maxSockets: 128 };
  const client = new S3Client({
    region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? (options.endpoint ? 'us-east-1' : undefined),
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle,
    profile: options.profile,
    maxAttempts: options.maxAttempts,
    retryMode: 'standard',
    // Checksums only where S3 requires them: S3-compatible servers (s3rver among them) mishandle aws-chunked
    // uploads, and ranged reads cannot be validated against a whole-object checksum anyway.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      requestTimeout: options.requestTimeoutMs,
      connectionTimeout: Math.min(options.requestTimeoutMs, 10_000),
      httpAgent: agent,
      httpsAgent: ca ? { ...agent, ca } : agent,
    },
    // Unsigned requests still pass the SDK's signing step: it needs credentials, which the signature then loses.
    ...(options.signRequests ? {} : { credentials: { accessKeyId: 'anonymous', secretAccessKey: 'anonymous' } }),
  });
  applyRequestParameters(client, options);
  return client;
}

/** The PEM text of the CA bundle, if one is configured. */
export async function readCaBundle(path: string | undefined): Promise<string | undefined> {
  if (!path) return undefined;
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new S3SetupException(CA_BUNDLE_MESSAGE(path, (error as Error).message));
  }
}
