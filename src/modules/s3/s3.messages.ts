export const NO_BUCKET_MESSAGE = 'S3Module needs a bucket name. Pass the bucket (S3Module.forRoot({ bucket }) or the CLI source argument).';

export const PART_SIZE_MESSAGE = (partSize: number): string =>
  `The part size must be between 5 MiB and 5 GiB (S3's limits), got ${partSize} bytes. Pass a size within them.`;

export const MAX_INODES_MESSAGE = (maxInodes: number): string =>
  `maxInodes must be a whole number of at least 1000, got ${maxInodes}. Pass a larger number (the default is 1000000).`;

export const CA_BUNDLE_MESSAGE = (path: string, reason: string): string =>
  `The CA bundle ${path} (from --ca-bundle or AWS_CA_BUNDLE) cannot be read: ${reason}. Point it at a readable PEM file or unset it.`;

export const KMS_KEY_WITHOUT_KMS_MESSAGE = (encryption: string | undefined): string =>
  `A KMS key (sseKmsKeyId, --sse-kms-key-id) needs KMS encryption, but the encryption is ${encryption ?? 'not set'}. Add --sse aws:kms (or aws:kms:dsse).`;

export const BUCKET_OWNER_MESSAGE = (owner: string): string =>
  `The expected bucket owner must be a 12-digit AWS account id, got "${owner}". Pass the account id, e.g. 123456789012.`;

export const UNKNOWN_CHOICE_MESSAGE = (option: string, value: string, choices: readonly string[]): string =>
  `${option} must be one of ${choices.join(', ')}, got "${value}".`;
