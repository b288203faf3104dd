export const NO_BUCKET_MESSAGE = 'S3Module needs a bucket name. Pass the bucket (S3Module.forRoot({ bucket }) or the CLI source argument).';

export const PART_SIZE_MESSAGE = (partSize: number): string =>
  `The part size must be between 5 MiB and 5 GiB (S3's limits), got ${partSize} bytes. Pass a size within them.`;

export const MAX_INODES_MESSAGE = (maxInodes: number): string =>
  `maxInodes must be a whole number of at least 1000, got ${maxInodes}. Pass a larger number (the default is 1000000).`;

export const CA_BUNDLE_MESSAGE = (path: string, reason: string): string =>
  `The CA bundle ${path} (from --ca-bundle or AWS_CA_BUNDLE) cannot be read: ${reason}. Point it at a readable PEM file or unset it.`;
