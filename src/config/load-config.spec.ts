import { ConfigError } from './config.errors';
import { loadConfig } from './load-config';

const KEY = Buffer.alloc(32, 1).toString('base64');
const SECRETS = { JWT_SECRET: 'x'.repeat(32), BACKUP_ENCRYPTION_KEY: KEY };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('starts on local defaults with nothing but secrets set', () => {
    const config = loadConfig(SECRETS);
    expect(config).toMatchObject({ role: 'all', port: 3000, demoPlatform: true, storage: { providers: ['local'] }, tenancy: { tenantTable: 'tenants', tenantIdColumn: 'tenant_id', activeFilter: { column: 'status', value: 'active' } } });
    expect(config.databaseUrl).toBe('postgresql://postgres@127.0.0.1:5432/tenantvault');
  });

  it('uses generated fallback secrets outside production only', () => {
    const fallback = { jwtSecret: 'y'.repeat(40), encryptionKey: KEY };
    expect(loadConfig({}, fallback).jwtSecret).toBe(fallback.jwtSecret);
    expect(problems({ NODE_ENV: 'production' })).toEqual(['JWT_SECRET is required in production', 'BACKUP_ENCRYPTION_KEY is required in production']);
  });

  it('names every bad variable at once, never echoing a secret', () => {
    const badKey = 'c2hvcnQ=';
    const found = problems({ JWT_SECRET: 'short', BACKUP_ENCRYPTION_KEY: badKey, PORT: 'eighty', APP_ROLE: 'boss', STORAGE_PROVIDERS: 'local,ftp', TENANT_TABLE: 'x;drop', TENANT_BACKUP_CRON: 'every day', REDIS_URL: 'http://x' });
    expect(found.join('\n')).not.toContain(badKey);
    for (const name of ['JWT_SECRET', 'BACKUP_ENCRYPTION_KEY', 'PORT', 'APP_ROLE', 'STORAGE_PROVIDERS', 'TENANT_TABLE', 'TENANT_BACKUP_CRON', 'REDIS_URL']) {
      expect(found.some((p) => p.startsWith(name))).toBe(true);
    }
  });

  it('requires the settings of each selected S3 provider', () => {
    expect(problems({ ...SECRETS, STORAGE_PROVIDERS: 'local,b2', B2_BUCKET_NAME: 'b' })).toEqual([
      'STORAGE_PROVIDERS includes b2 but B2_ENDPOINT_URL, B2_ACCESS_KEY_ID, B2_SECRET_ACCESS_KEY are not set',
    ]);
    const config = loadConfig({ ...SECRETS, STORAGE_PROVIDERS: 'r2', R2_ENDPOINT_URL: 'https://acct.r2.example', R2_BUCKET_NAME: 'b', R2_ACCESS_KEY_ID: 'id', R2_SECRET_ACCESS_KEY: 's' });
    expect(config.storage.r2).toEqual({ endpoint: 'https://acct.r2.example', bucket: 'b', accessKeyId: 'id', secretAccessKey: 's', region: 'auto' });
  });

  it('disables the active-tenant filter with TENANT_STATUS_COLUMN=none and accepts retired keys', () => {
    const config = loadConfig({ ...SECRETS, TENANT_STATUS_COLUMN: 'none', BACKUP_ENCRYPTION_KEYS_RETIRED: `${Buffer.alloc(32, 2).toString('base64')}, ${Buffer.alloc(32, 3).toString('base64')}` });
    expect(config.tenancy.activeFilter).toBeNull();
    expect(config.encryption.retiredKeys).toHaveLength(2);
  });
});
