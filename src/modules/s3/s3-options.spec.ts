import { FuseBootException } from '../fuse';
import { readCaBundle } from './store/s3-client.factory';
import { resolveS3Options } from './s3-module-options.interface';
import { S3OptionsException } from './s3-options.exception';
import { S3SetupException } from './s3-setup.exception';

describe('S3 options that stop the boot', () => {
  it('refuses options without a bucket, or with a part size S3 would refuse, as typed boot errors', () => {
    expect(() => resolveS3Options({ bucket: '' })).toThrow(S3OptionsException);
    expect(() => resolveS3Options({ bucket: '' })).toThrow(/needs a bucket name/);
    expect(() => resolveS3Options({ bucket: 'b', partSize: 1024 })).toThrow(S3OptionsException);
    expect(() => resolveS3Options({ bucket: 'b', partSize: 1024 })).toThrow(/between 5 MiB and 5 GiB .* got 1024 bytes/);
    expect(() => resolveS3Options({ bucket: 'b', maxInodes: 10 })).toThrow(S3OptionsException);
    expect(() => resolveS3Options({ bucket: 'b', sseKmsKeyId: 'k' })).toThrow(/needs KMS encryption, but the encryption is not set/);
    expect(() => resolveS3Options({ bucket: 'b', serverSideEncryption: 'AES256', sseKmsKeyId: 'k' })).toThrow(/encryption is AES256/);
    expect(() => resolveS3Options({ bucket: 'b', expectedBucketOwner: 'me' })).toThrow(/12-digit AWS account id, got "me"/);
    expect(() => resolveS3Options({ bucket: 'b', storageClass: 'COLD' as never })).toThrow(/storageClass must be one of .*, got "COLD"/);
    expect(() => resolveS3Options({ bucket: 'b', uploadChecksum: 'md5' as never })).toThrow(/uploadChecksum must be one of/);
    expect(resolveS3Options({ bucket: 'b', serverSideEncryption: 'aws:kms:dsse', sseKmsKeyId: 'k' })).toMatchObject({ sseKmsKeyId: 'k' });
    expect(() => resolveS3Options({ bucket: 'b', maxInodes: 1.5e3 + 0.5 })).toThrow(/maxInodes must be a whole number of at least 1000, got 1500.5/);
  });

  it('names a CA bundle it cannot read, as a setup error', async () => {
    const reading = readCaBundle('/nonexistent/nestjs-fuse-ca.pem');
    await expect(reading).rejects.toBeInstanceOf(S3SetupException);
    await expect(reading).rejects.toBeInstanceOf(FuseBootException);
    await expect(reading).rejects.toThrow(/CA bundle \/nonexistent\/nestjs-fuse-ca\.pem .* cannot be read/);
  });
});
