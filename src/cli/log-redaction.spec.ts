import { redactSecrets } from './log-redaction';

describe('redactSecrets', () => {
  it('takes signatures, credentials and tokens out of signed URLs and Authorization headers', () => {
    const url =
      'GET https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261203%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=0123abcd&X-Amz-Security-Token=FwoGZX';
    expect(redactSecrets(url, {})).toBe(
      'GET https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=<redacted>&X-Amz-Signature=<redacted>&X-Amz-Security-Token=<redacted>',
    );
    const header =
      'authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261203/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=fe5f80f7';
    expect(redactSecrets(header, {})).toBe('authorization: AWS4-HMAC-SHA256 Credential=<redacted>, SignedHeaders=host, Signature=<redacted>');
  });

  it('takes out access key ids, secret keys by name, and the secrets this process was given, however they appear', () => {
    expect(redactSecrets('key AKIAIOSFODNN7EXAMPLE used', {})).toBe('key <access key id> used');
    expect(redactSecrets('{"secretAccessKey":"wJalrXUtnFEMI/K7MDENG"}', {})).toBe('{"secretAccessKey":"<redacted>"}');
    expect(redactSecrets('signed with hunter22 and tok3n-value', { AWS_SECRET_ACCESS_KEY: 'hunter22', AWS_SESSION_TOKEN: 'tok3n-value' })).toBe(
      'signed with <redacted> and <redacted>',
    );
  });
});
