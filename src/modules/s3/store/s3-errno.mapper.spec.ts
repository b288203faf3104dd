import { Logger } from '@nestjs/common';
import { FsError } from '../../fuse';
import { describeSdkError, toFsError } from './s3-errno.mapper';

const sdkError = (name: string, status?: number, message = 'message'): Error =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

describe('toFsError (S3 errors → errno)', () => {
  const logger = new Logger('test');
  let warn: jest.SpyInstance;
  let error: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    error = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it.each([
    ['NoSuchKey', 404, 'ENOENT'],
    ['NotFound', 404, 'ENOENT'],
    ['AccessDenied', 403, 'EACCES'],
    ['InvalidAccessKeyId', 403, 'EACCES'],
    ['PreconditionFailed', 412, 'ESTALE'],
    ['InternalError', 500, 'EIO'],
    ['SlowDown', 503, 'EIO'],
    ['TimeoutError', undefined, 'EIO'],
  ])('maps %s (HTTP %s) to %s', (name, status, code) => {
    expect(toFsError(sdkError(name, status), 'GET key', logger).code).toBe(code);
  });

  it('maps a network failure to EIO and logs it once, without the request', () => {
    const mapped = toFsError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), 'GET a', logger);
    expect(mapped.code).toBe('EIO');
    expect(error).toHaveBeenCalledTimes(1);
    expect(String(error.mock.calls[0][0])).toMatch(/^GET a failed: ECONNREFUSED: connect ECONNREFUSED/);
  });

  it('does not log a plain miss, but logs refused access and a changed object with the fix', () => {
    toFsError(sdkError('NoSuchKey', 404), 'HEAD x', logger);
    expect(warn).not.toHaveBeenCalled();
    toFsError(sdkError('AccessDenied', 403), 'GET x', logger);
    expect(String(warn.mock.calls[0][0])).toMatch(/Check the credentials/);
    toFsError(sdkError('PreconditionFailed', 412), 'GET x', logger);
    expect(String(warn.mock.calls[1][0])).toMatch(/reopen the file/);
  });

  it('passes an FsError through', () => {
    const original = FsError.tooBig();
    expect(toFsError(original, 'x', logger)).toBe(original);
  });

  it('describes an SDK error by name, status and message only', () => {
    expect(describeSdkError({ name: 'SlowDown', message: 'Reduce your rate', $metadata: { httpStatusCode: 503 } })).toBe(
      'SlowDown (HTTP 503): Reduce your rate',
    );
  });
});
