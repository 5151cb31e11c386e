import { availableParallelism } from 'node:os';
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

describe('loadConfig: alerting, monitoring and health settings', () => {
  it('has defaults an operator can live with: hourly monitoring, 24 h staleness, every severity to every channel', () => {
    const config = loadConfig(SECRETS);
    expect(config.monitoring).toMatchObject({ cron: '0 * * * *', staleAfterHours: 24, sizeDeviationFactor: 3, sizeMinHistory: 5, minSuccessRate: 0.9, storageQuotaBytes: {} });
    expect(config.alerts).toMatchObject({ emailMinSeverity: undefined, webhookMinSeverity: undefined, deliveryAttempts: 10 });
    expect(config.health).toEqual({ maxDisasterAgeHours: 48, maxStaleTenantRatio: 0.1 });
  });

  it('reads minimum severities, quotas in GB per provider and fractional thresholds', () => {
    const config = loadConfig({ ...SECRETS, ALERT_EMAIL_MIN_SEVERITY: 'ERROR', ALERT_WEBHOOK_MIN_SEVERITY: 'CRITICAL', STORAGE_QUOTA_B2_GB: '1.5', ALERT_MIN_SUCCESS_RATE: '0.75', HEALTH_MAX_STALE_TENANT_RATIO: '0.25' });
    expect(config.alerts.emailMinSeverity).toBe('ERROR');
    expect(config.alerts.webhookMinSeverity).toBe('CRITICAL');
    expect(config.monitoring.storageQuotaBytes).toEqual({ b2: 1.5 * 1024 ** 3 });
    expect(config.monitoring.minSuccessRate).toBe(0.75);
    expect(config.health.maxStaleTenantRatio).toBe(0.25);
  });

  it('refuses half an e-mail channel, bad addresses and out-of-range thresholds, naming each variable', () => {
    expect(problems({ ...SECRETS, SMTP_URL: 'smtp://mail.example.com:25' })).toEqual(['ALERT_EMAIL_TO is required when SMTP_URL is set']);
    expect(problems({ ...SECRETS, ALERT_EMAIL_TO: 'ops@example.com' })).toEqual(['SMTP_URL is required when ALERT_EMAIL_TO is set']);
    expect(problems({ ...SECRETS, ALERT_WEBHOOK_SECRET: 'whsec' })).toEqual(['ALERT_WEBHOOK_URL is required when ALERT_WEBHOOK_SECRET is set']);
    const found = problems({
      ...SECRETS,
      SMTP_URL: 'smtp://user:s3cret-pass@mail.example.com:25',
      ALERT_EMAIL_TO: 'ops-at-example.com',
      ALERT_EMAIL_FROM: 'nobody',
      ALERT_EMAIL_MIN_SEVERITY: 'LOUD',
      ALERT_SIZE_DEVIATION_FACTOR: '1',
      ALERT_MIN_SUCCESS_RATE: '1.5',
      STORAGE_QUOTA_LOCAL_GB: '-3',
      HEALTH_MAX_DISASTER_AGE_HOURS: 'soon',
      MONITORING_CRON: 'hourly',
    });
    for (const name of ['ALERT_EMAIL_TO', 'ALERT_EMAIL_FROM', 'ALERT_EMAIL_MIN_SEVERITY', 'ALERT_SIZE_DEVIATION_FACTOR', 'ALERT_MIN_SUCCESS_RATE', 'STORAGE_QUOTA_LOCAL_GB', 'HEALTH_MAX_DISASTER_AGE_HOURS', 'MONITORING_CRON']) {
      expect(found.some((p) => p.includes(name))).toBe(true);
    }
    expect(found.join('\n')).not.toContain('s3cret-pass');
  });
});

describe('loadConfig: retention, verification, test restores and the orphan sweep', () => {
  it('defaults to SPEC §8: retention at 04:00 UTC, the last 7 days verified, a 24 h grace for orphans', () => {
    expect(loadConfig(SECRETS).maintenance).toEqual({
      retentionCron: '0 4 * * *',
      testRestoreCron: '0 5 * * *',
      orphanSweepCron: '30 5 * * *',
      verificationDays: 7,
      verificationConcurrency: 2,
      testRestoreSample: 3,
      testRestoreDisaster: true,
      scratchDatabaseUrl: undefined,
      orphanGraceHours: 24,
    });
  });

  it('names each bad retention setting, never echoing the scratch server’s password', () => {
    const found = problems({ ...SECRETS, RETENTION_CRON: 'daily', VERIFICATION_DAYS: '0', ORPHAN_GRACE_HOURS: '-1', TEST_RESTORE_DISASTER: 'yes', TEST_RESTORE_DATABASE_URL: 'mysql://u:hunter22@db/x' });
    for (const name of ['RETENTION_CRON', 'VERIFICATION_DAYS', 'ORPHAN_GRACE_HOURS', 'TEST_RESTORE_DISASTER', 'TEST_RESTORE_DATABASE_URL']) {
      expect(found.some((p) => p.startsWith(name))).toBe(true);
    }
    expect(found.join('\n')).not.toContain('hunter22');
  });
});

describe('loadConfig: customer exports', () => {
  it('keeps an export downloadable for 24 h by default, expires hourly, and keeps the file after a download', () => {
    const config = loadConfig(SECRETS);
    expect(config.customerBackupDailyLimit).toBe(1);
    expect(config.customerExports).toEqual({ ttlHours: 24, deleteAfterDownload: false, expiryCron: '0 * * * *' });
    expect(loadConfig({ ...SECRETS, CUSTOMER_BACKUP_TTL_HOURS: '48', CUSTOMER_BACKUP_DELETE_AFTER_DOWNLOAD: 'true', CUSTOMER_EXPORT_CRON: '*/30 * * * *' }).customerExports).toEqual({
      ttlHours: 48,
      deleteAfterDownload: true,
      expiryCron: '*/30 * * * *',
    });
  });

  it('names each bad customer export variable', () => {
    const found = problems({ ...SECRETS, CUSTOMER_BACKUP_TTL_HOURS: '0', CUSTOMER_BACKUP_DELETE_AFTER_DOWNLOAD: 'yes', CUSTOMER_EXPORT_CRON: 'hourly', CUSTOMER_BACKUP_DAILY_LIMIT: '-1' });
    for (const name of ['CUSTOMER_BACKUP_TTL_HOURS', 'CUSTOMER_BACKUP_DELETE_AFTER_DOWNLOAD', 'CUSTOMER_EXPORT_CRON', 'CUSTOMER_BACKUP_DAILY_LIMIT']) {
      expect(found.some((p) => p.startsWith(name))).toBe(true);
    }
  });
});

describe('loadConfig: point-in-time recovery settings', () => {
  it('takes base backups weekly, keeps a 14-day window and archives WAL fast by default', () => {
    const config = loadConfig(SECRETS);
    expect(config.pointInTime).toMatchObject({ baseBackupCron: '0 3 * * 6', baseBackupCheckpoint: 'fast', retentionDays: 14, walGzipLevel: 1, walPushTimeoutSeconds: 300, osUser: 'postgres', recoveryTimeoutSeconds: 3600 });
    expect(config.pointInTime.scratchDir).toMatch(/tenantvault-pitr$/);
  });

  it('names each bad point-in-time variable', () => {
    const found = problems({ ...SECRETS, BASE_BACKUP_CRON: 'weekly', BASE_BACKUP_CHECKPOINT: 'slow', PITR_RETENTION_DAYS: '0', WAL_GZIP_LEVEL: '10', PITR_OS_USER: 'root;rm', WAL_PUSH_TIMEOUT_SECONDS: '1' });
    for (const name of ['BASE_BACKUP_CRON', 'BASE_BACKUP_CHECKPOINT', 'PITR_RETENTION_DAYS', 'WAL_GZIP_LEVEL', 'PITR_OS_USER', 'WAL_PUSH_TIMEOUT_SECONDS']) {
      expect(found.some((p) => p.startsWith(name))).toBe(true);
    }
  });
});

describe('loadConfig: compression', () => {
  it('compresses on every core by default and takes COMPRESSION_THREADS from 1 to 256', () => {
    expect(loadConfig(SECRETS).compressionThreads).toBe(availableParallelism());
    expect(loadConfig({ ...SECRETS, COMPRESSION_THREADS: '3' }).compressionThreads).toBe(3);
    for (const bad of ['0', '257', 'two']) expect(problems({ ...SECRETS, COMPRESSION_THREADS: bad })).toEqual(['COMPRESSION_THREADS must be an integer between 1 and 256']);
  });
});
