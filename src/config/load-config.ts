import { CronTime } from 'cron';
import { tmpdir } from 'node:os';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ALERT_SEVERITIES, AlertSeverity } from '../../libs/alerting/alert-notification';
import { addressOf, parseRecipients, parseSmtpUrl } from '../../libs/alerting/smtp-settings';
import { PROVIDER_NAMES, ProviderName } from '../../libs/storage/storage.port';
import { AppConfig, AppRole, S3Settings } from './app-config';
import { ConfigError } from './config.errors';
import { parseDurationSeconds } from './duration';

type Env = Record<string, string | undefined>;

export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/tenantvault';
export const DEMO_SOURCE_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/tenantvault_demo_platform';

const ROLES: AppRole[] = ['api', 'worker', 'scheduler', 'all'];
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Secrets generated for local use when none are configured outside production (see dev-secrets.ts). */
export interface FallbackSecrets {
  jwtSecret: string;
  encryptionKey: string;
}

/** Reads variables one by one, collecting every problem so the operator sees them all at once. */
class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  int(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${name} must be an integer between ${min} and ${max}`);
      return fallback;
    }
    return n;
  }

  /** A decimal number (fractions allowed) between min and max. */
  number(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value) || n < min || n > max) {
      this.problems.push(`${name} must be a number between ${min} and ${max}`);
      return fallback;
    }
    return n;
  }

  url(name: string, fallback: string | undefined, protocols: string[]): string | undefined {
    const value = this.raw(name) ?? fallback;
    if (value === undefined) return undefined;
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) throw new Error('protocol');
      return value;
    } catch {
      this.problems.push(`${name} must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
      return fallback;
    }
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      this.problems.push(`${name} must be one of: ${allowed.join(', ')}`);
      return fallback;
    }
    return value as T;
  }

  identifier(name: string, fallback: string, allowQualified = false): string {
    const value = this.string(name, fallback);
    const parts = allowQualified ? value.split('.') : [value];
    if (parts.length > 2 || !parts.every((p) => IDENTIFIER.test(p))) {
      this.problems.push(`${name} must be a plain SQL identifier${allowQualified ? ' (optionally schema-qualified)' : ''}`);
    }
    return value;
  }

  cron(name: string, fallback: string): string {
    const value = this.string(name, fallback);
    try {
      new CronTime(value);
    } catch {
      this.problems.push(`${name} must be a cron expression (e.g. "0 1 * * *")`);
    }
    return value;
  }

  /** A 32-byte key in base64; the value itself never appears in a message. */
  base64Key(name: string, value: string): void {
    const decoded = Buffer.from(value, 'base64');
    if (decoded.length !== 32 || decoded.toString('base64') !== value) {
      this.problems.push(`${name} must be 32 random bytes in base64 (openssl rand -base64 32)`);
    }
  }

  /** Seconds, written as a number of seconds or with a unit: `90`, `45m`, `24h`, `7d`. */
  duration(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const seconds = parseDurationSeconds(value);
    if (seconds === undefined || seconds < min || seconds > max) {
      this.problems.push(`${name} must be a duration between ${min} s and ${max} s, e.g. 3600, 45m, 24h or 7d`);
      return fallback;
    }
    return seconds;
  }

  list(name: string): string[] {
    return (this.raw(name) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
}

function readS3(env: EnvReader, prefix: 'B2' | 'R2'): S3Settings | undefined {
  const endpoint = env.url(`${prefix}_ENDPOINT_URL`, undefined, ['http:', 'https:']);
  const settings = {
    endpoint,
    bucket: env.raw(`${prefix}_BUCKET_NAME`),
    accessKeyId: env.raw(`${prefix}_ACCESS_KEY_ID`),
    secretAccessKey: env.raw(`${prefix}_SECRET_ACCESS_KEY`),
  };
  const missing = Object.entries({
    [`${prefix}_ENDPOINT_URL`]: settings.endpoint,
    [`${prefix}_BUCKET_NAME`]: settings.bucket,
    [`${prefix}_ACCESS_KEY_ID`]: settings.accessKeyId,
    [`${prefix}_SECRET_ACCESS_KEY`]: settings.secretAccessKey,
  })
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
  if (missing.length > 0) {
    env.problems.push(`STORAGE_PROVIDERS includes ${prefix.toLowerCase()} but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set`);
    return undefined;
  }
  return { ...(settings as Omit<S3Settings, 'region'>), region: env.string(`${prefix}_REGION`, 'auto') };
}

/**
 * Builds the configuration from environment variables (SPEC §10). Throws ConfigError naming each bad
 * variable. `fallback` supplies locally generated secrets when they are not set outside production.
 */
export function loadConfig(source: Env, fallback?: FallbackSecrets): AppConfig {
  const env = new EnvReader(source);
  const nodeEnv = env.string('NODE_ENV', 'development');
  const production = nodeEnv === 'production';

  const jwtSecret = env.raw('JWT_SECRET') ?? (production ? undefined : fallback?.jwtSecret);
  if (jwtSecret === undefined) env.problems.push('JWT_SECRET is required in production');
  else if (jwtSecret.length < 32) env.problems.push('JWT_SECRET must be at least 32 characters');

  const activeKey = env.raw('BACKUP_ENCRYPTION_KEY') ?? (production ? undefined : fallback?.encryptionKey);
  if (activeKey === undefined) env.problems.push('BACKUP_ENCRYPTION_KEY is required in production');
  else env.base64Key('BACKUP_ENCRYPTION_KEY', activeKey);
  const retiredKeys = env.list('BACKUP_ENCRYPTION_KEYS_RETIRED');
  retiredKeys.forEach((key) => env.base64Key('BACKUP_ENCRYPTION_KEYS_RETIRED', key));

  const providers = env.list('STORAGE_PROVIDERS');
  const selected = (providers.length > 0 ? providers : ['local']) as ProviderName[];
  const unknown = selected.filter((p) => !PROVIDER_NAMES.includes(p));
  if (unknown.length > 0) env.problems.push(`STORAGE_PROVIDERS has unknown provider(s) ${unknown.join(', ')}; allowed: ${PROVIDER_NAMES.join(', ')}`);
  if (new Set(selected).size !== selected.length) env.problems.push('STORAGE_PROVIDERS lists a provider twice');

  const sourceUrl = env.url('SOURCE_DATABASE_URL', undefined, ['postgres:', 'postgresql:']);
  const statusColumn = env.raw('TENANT_STATUS_COLUMN') === 'none' ? null : env.identifier('TENANT_STATUS_COLUMN', 'status');

  const config: AppConfig = {
    nodeEnv,
    role: env.oneOf('APP_ROLE', 'all', ROLES),
    port: env.int('PORT', 3000, 1, 65535),
    logFormat: env.oneOf('LOG_FORMAT', production ? 'json' : 'pretty', ['json', 'pretty'] as const),
    databaseUrl: env.url('DATABASE_URL', DEFAULT_DATABASE_URL, ['postgres:', 'postgresql:'])!,
    sourceDatabaseUrl: sourceUrl ?? env.url('DEMO_DATABASE_URL', DEMO_SOURCE_DATABASE_URL, ['postgres:', 'postgresql:'])!,
    demoPlatform: sourceUrl === undefined,
    redisUrl: env.url('REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:'])!,
    queuePrefix: env.identifier('QUEUE_PREFIX', 'tenantvault'),
    jwtSecret: jwtSecret ?? '',
    auth: { maxTokenTtlSeconds: env.duration('JWT_MAX_TTL', 24 * 3600, 60, 366 * 86_400), issuer: env.raw('JWT_ISSUER'), audience: env.raw('JWT_AUDIENCE') },
    docsEnabled: env.oneOf('DOCS_ENABLED', 'true', ['true', 'false'] as const) === 'true',
    logLevel: env.oneOf('LOG_LEVEL', 'log', ['error', 'warn', 'log', 'debug'] as const),
    shutdownTimeoutMs: env.int('SHUTDOWN_TIMEOUT_SECONDS', 30, 0, 3600) * 1000,
    encryption: { activeKey: activeKey ?? '', retiredKeys },
    storage: {
      providers: selected,
      localPath: env.string('LOCAL_STORAGE_PATH', './.tenantvault/storage'),
      b2: selected.includes('b2') ? readS3(env, 'B2') : undefined,
      r2: selected.includes('r2') ? readS3(env, 'R2') : undefined,
      partSizeBytes: env.int('UPLOAD_PART_SIZE_MB', 8, 5, 512) * 1024 * 1024,
      uploadConcurrency: env.int('UPLOAD_CONCURRENCY', 4, 1, 32),
    },
    tenancy: {
      tenantTable: env.identifier('TENANT_TABLE', 'tenants', true),
      tenantIdColumn: env.identifier('TENANT_ID_COLUMN', 'tenant_id'),
      activeFilter: statusColumn ? { column: statusColumn, value: env.string('TENANT_ACTIVE_VALUE', 'active') } : null,
    },
    retention: {
      tenantDays: env.int('BACKUP_RETENTION_DAYS', 30, 1),
      disasterDays: env.int('DISASTER_BACKUP_RETENTION_DAYS', 90, 1),
      preRestoreDays: env.int('PRE_RESTORE_RETENTION_DAYS', 7, 1),
    },
    customerBackupDailyLimit: env.int('CUSTOMER_BACKUP_DAILY_LIMIT', 1, 0),
    customerExports: {
      ttlHours: env.int('CUSTOMER_BACKUP_TTL_HOURS', 24, 1, 720),
      deleteAfterDownload: env.oneOf('CUSTOMER_BACKUP_DELETE_AFTER_DOWNLOAD', 'false', ['true', 'false'] as const) === 'true',
      expiryCron: env.cron('CUSTOMER_EXPORT_CRON', '0 * * * *'),
    },
    alerts: {
      smtpUrl: env.url('SMTP_URL', undefined, ['smtp:', 'smtps:']),
      emailTo: env.raw('ALERT_EMAIL_TO'),
      webhookUrl: env.url('ALERT_WEBHOOK_URL', undefined, ['http:', 'https:']),
      webhookSecret: env.raw('ALERT_WEBHOOK_SECRET'),
      emailFrom: env.raw('ALERT_EMAIL_FROM'),
      emailMinSeverity: env.raw('ALERT_EMAIL_MIN_SEVERITY') ? env.oneOf<AlertSeverity>('ALERT_EMAIL_MIN_SEVERITY', 'INFO', ALERT_SEVERITIES) : undefined,
      webhookMinSeverity: env.raw('ALERT_WEBHOOK_MIN_SEVERITY') ? env.oneOf<AlertSeverity>('ALERT_WEBHOOK_MIN_SEVERITY', 'INFO', ALERT_SEVERITIES) : undefined,
      deliveryAttempts: env.int('ALERT_DELIVERY_ATTEMPTS', 10, 1, 100),
      deliveryBackoffMs: env.int('ALERT_DELIVERY_BACKOFF_MS', 10_000, 0),
    },
    monitoring: {
      cron: env.cron('MONITORING_CRON', '0 * * * *'),
      staleAfterHours: env.int('BACKUP_STALE_AFTER_HOURS', 24, 1, 24 * 365),
      sizeDeviationFactor: env.number('ALERT_SIZE_DEVIATION_FACTOR', 3, 1.01, 1_000_000),
      sizeMinHistory: env.int('ALERT_SIZE_MIN_HISTORY', 5, 1, 1000),
      durationThresholdSeconds: env.int('ALERT_DURATION_THRESHOLD_SECONDS', 3600, 1),
      minSuccessRate: env.number('ALERT_MIN_SUCCESS_RATE', 0.9, 0, 1),
      storageQuotaBytes: Object.fromEntries(
        PROVIDER_NAMES.flatMap((p) => {
          const name = `STORAGE_QUOTA_${p.toUpperCase()}_GB`;
          return env.raw(name) === undefined ? [] : [[p, Math.round(env.number(name, 0, 0.001) * 1024 ** 3)]];
        }),
      ),
      metricsPort: env.raw('METRICS_PORT') === undefined ? undefined : env.int('METRICS_PORT', 0, 1, 65535),
    },
    health: {
      maxDisasterAgeHours: env.int('HEALTH_MAX_DISASTER_AGE_HOURS', 48, 1),
      maxStaleTenantRatio: env.number('HEALTH_MAX_STALE_TENANT_RATIO', 0.1, 0, 1),
    },
    disasterConfigPaths: env.list('DISASTER_CONFIG_PATHS'),
    gitCommit: env.raw('GIT_COMMIT'),
    schedules: {
      tenantBackups: env.cron('TENANT_BACKUP_CRON', '0 1 * * *'),
      disasterBackup: env.cron('DISASTER_BACKUP_CRON', '0 2 * * *'),
      verification: env.cron('VERIFICATION_CRON', '0 3 * * 0'),
      replication: env.cron('REPLICATION_CRON', '*/15 * * * *'),
      sweep: env.cron('SWEEP_CRON', '*/2 * * * *'),
    },
    queues: {
      backupConcurrency: env.int('BACKUP_CONCURRENCY', 2, 1, 64),
      replicationConcurrency: env.int('REPLICATION_CONCURRENCY', 1, 1, 64),
      jobAttempts: env.int('JOB_ATTEMPTS', 3, 1, 100),
      jobBackoffMs: env.int('JOB_BACKOFF_MS', 30_000, 0),
      replicationAttempts: env.int('REPLICATION_ATTEMPTS', 12, 1, 1000),
      stalledCheckMs: env.int('JOB_STALLED_CHECK_SECONDS', 30, 1, 3600) * 1000,
      maxStalls: env.int('JOB_MAX_STALLS', 1, 0, 100),
      stallLimitMs: env.int('JOB_STALL_LIMIT_SECONDS', 300, 1, 86_400) * 1000,
    },
    backup: {
      gzipLevel: env.int('GZIP_LEVEL', 4, 1, 9),
      lockStaleSeconds: env.int('TENANT_LOCK_STALE_SECONDS', 600, 30),
    },
    compressionThreads: env.int('COMPRESSION_THREADS', availableParallelism(), 1, 256),
    maintenance: {
      retentionCron: env.cron('RETENTION_CRON', '0 4 * * *'),
      testRestoreCron: env.cron('TEST_RESTORE_CRON', '0 5 * * *'),
      orphanSweepCron: env.cron('ORPHAN_SWEEP_CRON', '30 5 * * *'),
      verificationDays: env.int('VERIFICATION_DAYS', 7, 1, 3660),
      verificationConcurrency: env.int('VERIFICATION_CONCURRENCY', 2, 1, 32),
      testRestoreSample: env.int('TEST_RESTORE_SAMPLE', 3, 0, 10_000),
      testRestoreDisaster: env.oneOf('TEST_RESTORE_DISASTER', 'true', ['true', 'false'] as const) === 'true',
      scratchDatabaseUrl: env.url('TEST_RESTORE_DATABASE_URL', undefined, ['postgres:', 'postgresql:']),
      orphanGraceHours: env.int('ORPHAN_GRACE_HOURS', 24, 1, 24 * 365),
    },
    dataDir: env.string('TENANTVAULT_DATA_DIR', './.tenantvault'),
    pointInTime: {
      baseBackupCron: env.cron('BASE_BACKUP_CRON', '0 3 * * 6'),
      baseBackupCheckpoint: env.oneOf('BASE_BACKUP_CHECKPOINT', 'fast', ['fast', 'spread'] as const),
      retentionDays: env.int('PITR_RETENTION_DAYS', 14, 1, 3660),
      walGzipLevel: env.int('WAL_GZIP_LEVEL', 1, 1, 9),
      walPushTimeoutSeconds: env.int('WAL_PUSH_TIMEOUT_SECONDS', 300, 5, 86_400),
      osUser: env.string('PITR_OS_USER', 'postgres'),
      pgBinDir: env.raw('PITR_PG_BIN_DIR'),
      scratchDir: env.string('PITR_SCRATCH_DIR', join(tmpdir(), 'tenantvault-pitr')),
      recoveryTimeoutSeconds: env.int('PITR_RECOVERY_TIMEOUT_SECONDS', 3600, 10, 7 * 86_400),
      cliPath: env.raw('PITR_CLI_PATH'),
    },
  };
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(config.pointInTime.osUser)) env.problems.push('PITR_OS_USER must be an OS user name (e.g. postgres)');
  if (config.gitCommit && !/^[0-9a-f]{7,64}$/i.test(config.gitCommit)) env.problems.push('GIT_COMMIT must be a hexadecimal commit hash');
  if (config.alerts.webhookUrl && !config.alerts.webhookSecret) env.problems.push('ALERT_WEBHOOK_SECRET is required when ALERT_WEBHOOK_URL is set');
  env.problems.push(...emailChannelProblems(config.alerts));
  if (config.alerts.webhookSecret && !config.alerts.webhookUrl) env.problems.push('ALERT_WEBHOOK_URL is required when ALERT_WEBHOOK_SECRET is set');
  if (env.problems.length > 0) throw new ConfigError(env.problems);
  return config;
}

/** The e-mail channel needs SMTP_URL and ALERT_EMAIL_TO together, a readable server URL and real addresses. */
function emailChannelProblems(alerts: AppConfig['alerts']): string[] {
  if (!alerts.smtpUrl && !alerts.emailTo) return alerts.emailFrom ? ['ALERT_EMAIL_FROM is set but SMTP_URL and ALERT_EMAIL_TO are not'] : [];
  if (!alerts.smtpUrl) return ['SMTP_URL is required when ALERT_EMAIL_TO is set'];
  if (!alerts.emailTo) return ['ALERT_EMAIL_TO is required when SMTP_URL is set'];
  const problems: string[] = [];
  // Their messages name the variable and never repeat the URL (it holds the password).
  for (const check of [() => parseSmtpUrl(alerts.smtpUrl!), () => parseRecipients(alerts.emailTo!)]) {
    try {
      check();
    } catch (error) {
      problems.push((error as Error).message.replace(/^email: /, ''));
    }
  }
  if (alerts.emailFrom && !addressOf(alerts.emailFrom).includes('@')) problems.push('ALERT_EMAIL_FROM must be an e-mail address (e.g. "TenantVault <backups@example.com>")');
  return problems;
}
