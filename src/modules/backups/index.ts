/**
 * Backups context: the lifecycle of backups of every type (records, the one store step, attempts, replication,
 * sidecars and catalog rebuild). Other contexts request and query backups through BackupsService, run their own
 * types' jobs with a BackupProducer registered in BackupProducers and a processor extending BackupQueueWorker.
 */
export { BackupsModule } from './backups.module';
export { BackupsService } from './backups.service';
export type { BackupRequest, BulkBackupResult } from './backups.service';
export { BackupJobRunner } from './backup-job-runner.service';
export { BackupQueueWorker } from './backup-queue-worker';
export { BackupsSweeper } from './backups.sweeper';
export type { SweepReport } from './backups.sweeper';
export { BackupStatisticsService } from './backup-statistics.service';
export type { BackupDurationStats, BackupOutcomeCount, BackupTotal, StoredBytesAtProvider, TenantFreshness } from './backup-statistics.service';
export { BackupProducers } from './backup-producer';
export type { BackupJobLocation, BackupProducer, ProgressReporter, SealedBackup } from './backup-producer';
export { BACKUP_EXPIRY_POLICY } from './backup-expiry.port';
export type { BackupExpiryPolicy } from './backup-expiry.port';
export { BackupRecord } from './backup.entity';
export { BackupLocation } from './backup-location.entity';
export { BackupStatus, BackupType, LocationStatus, VerificationStatus } from './backup.types';
export { BackupNotCompletedError, BackupNotFoundError, BackupRunningError, SnapshotFailedError } from './backups.errors';
export type { RunBackupPayload } from './backups.jobs';
export { baseBackupsAt, disasterBackupsAt, SIDECAR_FORMAT } from './backup-sidecar';
export type { BackupSidecar } from './backup-sidecar';
export { rebuildCatalog } from './catalog-rebuild';
export type { CatalogRebuildReport } from './catalog-rebuild';
export { BackupIdParams, ProviderQuery, TenantIdParams } from './dto/backup.params';
export { BackupLocationResponse, BackupPage, BackupResponse } from './dto/backup.response';
