import { LocalFsAdapter } from './local-fs.adapter';
import { S3CompatibleAdapter, S3Settings } from './s3-compatible.adapter';
import { createStorageAdapters } from './storage-adapters.factory';
import { StorageMisconfiguredError } from './storage.errors';

const settings: S3Settings = {
  endpoint: 'http://127.0.0.1:1',
  region: 'auto',
  bucket: 'backups',
  accessKeyId: 'id',
  secretAccessKey: 'super-secret-value',
};

describe('createStorageAdapters', () => {
  it('builds adapters in the configured order, the first being the primary', () => {
    const adapters = createStorageAdapters({ providers: ['r2', 'local', 'b2'], localPath: '/tmp/tv', b2: settings, r2: settings });
    expect(adapters.map((a) => a.name)).toEqual(['r2', 'local', 'b2']);
    expect(adapters[0]).toBeInstanceOf(S3CompatibleAdapter);
    expect(adapters[1]).toBeInstanceOf(LocalFsAdapter);
    for (const adapter of adapters) if (adapter instanceof S3CompatibleAdapter) adapter.destroy();
  });

  it('names the missing settings of a selected provider, never the values it has', () => {
    expect(() => createStorageAdapters({ providers: ['local', 'b2'], localPath: '/tmp/tv' })).toThrow(/"b2".*no settings/);
    const partial = { ...settings, bucket: '', accessKeyId: '' };
    const attempt = () => createStorageAdapters({ providers: ['r2'], localPath: '/tmp/tv', r2: partial });
    expect(attempt).toThrow(StorageMisconfiguredError);
    expect(attempt).toThrow('r2.bucket, r2.accessKeyId');
    expect(attempt).not.toThrow(/super-secret-value/);
  });

  it('rejects an empty, unknown or repeated provider list', () => {
    expect(() => createStorageAdapters({ providers: [], localPath: '/tmp/tv' })).toThrow(StorageMisconfiguredError);
    expect(() => createStorageAdapters({ providers: ['s3' as 'b2'], localPath: '/tmp/tv' })).toThrow(/unknown provider "s3"/);
    expect(() => createStorageAdapters({ providers: ['local', 'local'], localPath: '/tmp/tv' })).toThrow(/listed twice/);
  });
});
