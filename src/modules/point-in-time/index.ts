/**
 * Point-in-time context: BASE backups (producer and queue of their own, stored through the Backups lifecycle), the WAL
 * archive's index, sweep and retention, platform recoveries to a time (API and CLI share recoverPlatform), and scratch
 * clusters in which a tenant is read as it was at a time (Restores calls PointInTimeService). docs/PITR.md.
 */
export { PointInTimeModule } from './point-in-time.module';
export { PointInTimeService } from './point-in-time.service';
export type { RecoveredPlatform } from './scratch-clusters.service';
export type { BaseChainReport, WalChainReport, WalPruneReport } from './wal-archive.service';
export { WalSegment } from './wal-segment.entity';
export { BaseBackupRange } from './base-backup-range.entity';
export { PlatformRecovery, PlatformRecoveryStatus } from './platform-recovery.entity';
export { NotRecoverableError } from './point-in-time.errors';
export { recoverPlatform, listArchive, viewOfBuckets } from './recovery-pipeline';
export type { PlatformRecoveryInput } from './recovery-pipeline';
export { rebuildPointInTimeCatalog } from './point-in-time-rebuild';
export type { PointInTimeRebuildReport } from './point-in-time-rebuild';
export { SCRATCH_PREFIX } from './scratch-clusters.service';
