import { translateS3Error, S3ErrorContext } from './s3-error-translation';
import {
  ObjectNotFoundError,
  ProviderUnavailableError,
  StorageAccessDeniedError,
  StorageMisconfiguredError,
  StorageWriteFailedError,
} from './storage.errors';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const ctx = (operation: S3ErrorContext['operation'], key?: string): S3ErrorContext => ({
  provider: 'b2',
  operation,
  key,
  bucket: 'backups',
  secrets: ['TESTONLYACCESSKEYID01', SECRET],
});
const sdkError = (name: string, status?: number, message = name) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

describe('translateS3Error', () => {
  it('maps missing objects to ObjectNotFoundError', () => {
    expect(translateS3Error(sdkError('NoSuchKey', 404), ctx('get', 'a/b'))).toBeInstanceOf(ObjectNotFoundError);
    expect(translateS3Error(sdkError('NotFound', 404), ctx('head', 'a/b'))).toBeInstanceOf(ObjectNotFoundError);
    expect(translateS3Error(sdkError('Unknown', 404), ctx('get', 'a/b'))).toMatchObject({ code: 'STORAGE.OBJECT_NOT_FOUND', provider: 'b2' });
  });

  it('does not mistake a missing bucket for a missing object', () => {
    expect(translateS3Error(sdkError('NoSuchBucket', 404), ctx('get', 'a/b'))).toBeInstanceOf(StorageMisconfiguredError);
    expect(translateS3Error(sdkError('NotFound', 404), ctx('ping'))).toBeInstanceOf(StorageMisconfiguredError);
  });

  it.each([
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' })],
    ['DNS failure', Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.invalid'), { code: 'ENOTFOUND' })],
    ['happy-eyeballs refusal', Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]), { code: undefined })],
    ['timeout', Object.assign(new Error('socket timed out'), { name: 'TimeoutError' })],
    ['server error', sdkError('InternalError', 500)],
    ['throttling', sdkError('SlowDown', 503)],
  ])('maps a %s to ProviderUnavailableError', (_label, error) => {
    expect(translateS3Error(error, ctx('put', 'a/b'))).toBeInstanceOf(ProviderUnavailableError);
  });

  it('maps refused credentials to StorageAccessDeniedError', () => {
    expect(translateS3Error(sdkError('InvalidAccessKeyId', 403), ctx('ping'))).toBeInstanceOf(StorageAccessDeniedError);
    expect(translateS3Error(sdkError('SignatureDoesNotMatch', 403), ctx('put', 'k'))).toBeInstanceOf(StorageAccessDeniedError);
  });

  it('maps other client errors on put to StorageWriteFailedError', () => {
    expect(translateS3Error(sdkError('EntityTooLarge', 400), ctx('put', 'k'))).toBeInstanceOf(StorageWriteFailedError);
    expect(translateS3Error(sdkError('InvalidRange', 416), ctx('get', 'k'))).toMatchObject({ code: 'STORAGE.READ_FAILED' });
  });

  it('never repeats credentials a vendor echoes back, and keeps no raw vendor error', () => {
    const echoed = sdkError('SignatureDoesNotMatch', 403, `bad signature for TESTONLYACCESSKEYID01 using ${SECRET}`);
    const error = translateS3Error(echoed, ctx('put', 'k'));
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain('TESTONLYACCESSKEYID01');
    expect(error.message).toContain('SignatureDoesNotMatch');
    expect(error.cause).toBeUndefined();
  });
});
