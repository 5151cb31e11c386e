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
  alerts: { smtpUrl?: string; emailTo?: string; webhookUrl?: string; webhookSecret?: string };
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
  dataDir: string;
}
