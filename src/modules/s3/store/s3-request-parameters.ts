import type { ChecksumAlgorithm, S3Client, ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-s3';
import type { FinalizeHandler } from '@smithy/types';
import type { ResolvedS3Options, UploadChecksum } from '../s3-module-options.interface';

/** Commands that make an object: they carry its encryption, storage class and ACL. */
const MAKES_OBJECTS = new Set(['PutObjectCommand', 'CreateMultipartUploadCommand', 'CopyObjectCommand']);
/** Commands that send object data: they carry its checksum (a multipart upload declares its algorithm at creation). */
const SENDS_DATA = new Set(['PutObjectCommand', 'UploadPartCommand', 'CreateMultipartUploadCommand']);
const CHECKSUM_ALGORITHMS: Record<Exclude<UploadChecksum, 'off'>, ChecksumAlgorithm> = { crc32c: 'CRC32C', crc32: 'CRC32', sha256: 'SHA256' };
/** Headers of a SigV4 signature: an anonymous request sends none of them. */
const SIGNATURE_HEADERS = ['authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'];

/**
 * Adds the mount's request options to every SDK command where they apply: requester pays and the expected bucket
 * owner to all (a command without such a field leaves it out when serialising), encryption, storage class and ACL to
 * every object made, the upload checksum to every upload. With `signRequests: false`, requests go out unsigned.
 */
export function applyRequestParameters(client: S3Client, options: ResolvedS3Options): void {
  const every: Record<string, string> = {};
  if (options.requesterPays) every.RequestPayer = 'requester';
  if (options.expectedBucketOwner) every.ExpectedBucketOwner = options.expectedBucketOwner;
  const made: Record<string, string> = {};
  if (options.serverSideEncryption) made.ServerSideEncryption = options.serverSideEncryption;
  if (options.sseKmsKeyId) made.SSEKMSKeyId = options.sseKmsKeyId;
  if (options.storageClass) made.StorageClass = options.storageClass;
  if (options.acl) made.ACL = options.acl;
  const checksum = options.uploadChecksum === 'off' ? undefined : CHECKSUM_ALGORITHMS[options.uploadChecksum];
  if (Object.keys(every).length > 0 || Object.keys(made).length > 0 || checksum) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as Record<string, unknown>;
        Object.assign(input, every);
        if (MAKES_OBJECTS.has(context.commandName ?? '')) Object.assign(input, made);
        if (checksum && SENDS_DATA.has(context.commandName ?? '')) input.ChecksumAlgorithm = checksum;
        return next(args);
      },
      { step: 'initialize', name: 'nestjsFuseRequestParameters' },
    );
  }
  if (!options.signRequests) {
    client.middlewareStack.addRelativeTo(
      (next: FinalizeHandler<ServiceInputTypes, ServiceOutputTypes>): FinalizeHandler<ServiceInputTypes, ServiceOutputTypes> =>
        async (args) => {
          const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
          for (const name of Object.keys(headers)) if (SIGNATURE_HEADERS.includes(name.toLowerCase())) delete headers[name];
          return next(args);
        },
      { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'nestjsFuseUnsigned' },
    );
  }
}

/** Headers the direct ranged GETs (signed outside the SDK) add for the same options. */
export function directReadHeaders(options: Pick<ResolvedS3Options, 'requesterPays' | 'expectedBucketOwner'>): Record<string, string> {
  const headers: Record<string, string> = {};
  if (options.requesterPays) headers['x-amz-request-payer'] = 'requester';
  if (options.expectedBucketOwner) headers['x-amz-expected-bucket-owner'] = options.expectedBucketOwner;
  return headers;
}
