import type { AlertSeverity } from '../../libs/alerting/alert-notification';
import type { ProviderName } from '../../libs/storage/storage.port';
import type { TenancyConfig } from '../../libs/tenant-data/tenant-data.types';

export type AppRole = 'api' | 'worker' | 'scheduler' | 'all';

export interface S3Settings {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** The validated configuration every part of the service reads; built once at boot by loadConfig(). */
export interface AppConfig {
  nodeEnv: string;
  role: AppRole;
  port: number;
  logFormat: 'json' | 'pretty';
  databaseUrl: string;
  /** Platform database protected by TenantVault. */
  sourceDatabaseUrl: string;
  /** True when no SOURCE_DATABASE_URL was given and the seeded demo platform is used. */
  demoPlatform: boolean;
  redisUrl: string;
  queuePrefix: string;
  jwtSecret: string;
  /** Tokens must carry `exp` no further than this from their issue; `iss`/`aud` are checked when set. */
  auth: { maxTokenTtlSeconds: number; issuer?: string; audience?: string };
  /** Swagger UI at /docs and the OpenAPI document at /docs-json (DOCS_ENABLED). */
  docsEnabled: boolean;
  /** `debug` also prints stack traces of startup failures and debug lines. */
  logLevel: 'error' | 'warn' | 'log' | 'debug';
  /** On SIGTERM, running jobs get this long to finish before they are handed back to the queue. */
  shutdownTimeoutMs: number;
  encryption: { activeKey: string; retiredKeys: string[] };
  storage: {
    providers: ProviderName[];
    localPath: string;
    b2?: S3Settings;
    r2?: S3Settings;
    partSizeBytes: number;
    uploadConcurrency: number;
  };
  tenancy: TenancyConfig;
  retention: { tenantDays: number; disasterDays: number; preRestoreDays: number };
  customerBackupDailyLimit: number;
  /** Customer self-exports: how long one can be downloaded, whether a complete download deletes it, the expiry job. */
  customerExports: { ttlHours: number; deleteAfterDownload: boolean; expiryCron: string };
  alerts: {
    smtpUrl?: string;
    emailTo?: string;
    webhookUrl?: string;
    webhookSecret?: string;
    /** Sender of alert e-mails; by default the SMTP user when it is an address. */
    emailFrom?: string;
    /** Below these severities a channel is not sent the alert (nor its resolution); every severity when unset. */
    emailMinSeverity?: AlertSeverity;
    webhookMinSeverity?: AlertSeverity;
    /** Attempts per notification and channel, with exponential backoff from `deliveryBackoffMs`. */
    deliveryAttempts: number;
    deliveryBackoffMs: number;
  };
  /** Thresholds of the alert rules, the monitoring job and the metrics (docs/MONITORING.md). */
  monitoring: {
    cron: string;
    /** An active tenant whose newest completed backup is older than this is stale (NO_RECENT_BACKUP, /health, metrics). */
    staleAfterHours: number;
    /** SIZE_DEVIATION when a backup is this many times larger or smaller than the tenant's recent median... */
    sizeDeviationFactor: number;
    /** ...once the tenant has at least this many earlier completed backups. */
    sizeMinHistory: number;
    durationThresholdSeconds: number;
    /** LOW_SUCCESS_RATE below this share (0–1) of backups completed over 24 h. */
    minSuccessRate: number;
    /** STORAGE_CAPACITY when the bytes stored at a provider exceed its quota (STORAGE_QUOTA_<PROVIDER>_GB). */
    storageQuotaBytes: Partial<Record<ProviderName, number>>;
    /** Worker and scheduler processes serve /metrics on this port when set; the api serves it on PORT. */
    metricsPort?: number;
  };
  /** Backup freshness checks of GET /health. */
  health: { maxDisasterAgeHours: number; maxStaleTenantRatio: number };
  disasterConfigPaths: string[];
  /** Commit of this deployment (GIT_COMMIT), recorded in disaster backups; else `git rev-parse HEAD` is tried. */
  gitCommit?: string;
  schedules: { tenantBackups: string; disasterBackup: string; verification: string; replication: string; sweep: string };
  queues: {
    backupConcurrency: number;
    replicationConcurrency: number;
    jobAttempts: number;
    jobBackoffMs: number;
    replicationAttempts: number;
    /** How often a worker looks for jobs whose worker died, and how many times such a job is handed out again. */
    stalledCheckMs: number;
    maxStalls: number;
    /** An active job nobody holds for this long is declared failed by the sweep. */
    stallLimitMs: number;
  };
  backup: { gzipLevel: number; lockStaleSeconds: number };
  /** Blocks deflated at once by this process's backups (COMPRESSION_THREADS); the machine's cores by default. */
  compressionThreads: number;
  /** Retention runs, verification, test restores and the orphan sweep (docs/RETENTION.md). */
  maintenance: {
    retentionCron: string;
    testRestoreCron: string;
    orphanSweepCron: string;
    /** Verification checks every backup completed in the last this many days. */
    verificationDays: number;
    /** Backups one verification run checks at once. */
    verificationConcurrency: number;
    /** Tenants test-restored by the daily run: those whose last test restore is oldest. */
    testRestoreSample: number;
    /** The daily run also test-restores the newest disaster backup when it has not been tested yet. */
    testRestoreDisaster: boolean;
    /** Server (and credentials) on which scratch databases are created; the platform's (SOURCE_DATABASE_URL) when unset. */
    scratchDatabaseUrl?: string;
    /** Orphans and leftovers of crashed writes younger than this are never removed. */
    orphanGraceHours: number;
  };
  dataDir: string;
  /** Point-in-time recovery: base backups, the WAL archive, and the servers recoveries run (docs/PITR.md). */
  pointInTime: {
    /** When BASE backups are taken (BASE_BACKUP_CRON). */
    baseBackupCron: string;
    /** `fast`: pg_basebackup asks for an immediate checkpoint; `spread`: it waits for a spread one (gentler, slower). */
    baseBackupCheckpoint: 'fast' | 'spread';
    /** The recovery window: any second of the last this many days can be recovered; older base backups and WAL go. */
    retentionDays: number;
    /** gzip level of archived WAL segments (wal push runs for each one: speed first). */
    walGzipLevel: number;
    /** wal push gives up (exit 1, PostgreSQL retries) after this long. */
    walPushTimeoutSeconds: number;
    /** The OS user recovered servers run as when TenantVault runs as root (PostgreSQL refuses root). */
    osUser: string;
    /** Where the PostgreSQL server binaries are; by default /usr/lib/postgresql/<major>/bin and PATH. */
    pgBinDir?: string;
    /** Scratch clusters of per-tenant point-in-time restores are created here (needs room for the whole platform). */
    scratchDir: string;
    /** A recovery that has not reached its target after this long is stopped. */
    recoveryTimeoutSeconds: number;
    /** The built CLI (dist/src/cli.js) that restore_command runs; by default the one of this build. */
    cliPath?: string;
  };
}
