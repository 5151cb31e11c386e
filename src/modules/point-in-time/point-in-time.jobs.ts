export enum PointInTimeQueue {
  BASE_BACKUPS = 'base-backups',
  /** Platform recoveries to a time (one at a time) and the WAL archive's sweep. */
  RECOVERIES = 'pitr-recoveries',
  WAL_ARCHIVE = 'wal-archive',
}

export enum PointInTimeJob {
  RUN_BASE_BACKUP = 'run-base-backup',
  RECOVER_PLATFORM = 'recover-platform',
  SWEEP_WAL = 'sweep-wal',
}

/** Jobs carry ids, never payloads: the catalog record is the truth. */
export interface RecoverPlatformPayload {
  recoveryId: string;
}

/** BullMQ custom ids may not contain ':'; deterministic ids make re-enqueueing a no-op. */
export const baseBackupJobId = (backupId: string) => `base-backup-${backupId}`;
export const platformRecoveryJobId = (recoveryId: string) => `pitr-recovery-${recoveryId}`;
/** One WAL sweep per cron tick, whatever the number of replicas. */
export const walSweepJobId = (at: Date) => `wal-sweep-${at.toISOString().slice(0, 16).replace(/[^0-9]/g, '')}`;
