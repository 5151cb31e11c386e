export enum DisasterQueue {
  BACKUPS = 'disaster-backups',
  RESTORES = 'disaster-restores',
  VERIFICATION = 'verification',
}

export enum DisasterJob {
  RUN_BACKUP = 'run-disaster-backup',
  RESTORE = 'restore-disaster',
  VERIFY_RECENT = 'verify-recent',
}

export interface RunDisasterBackupPayload {
  backupId: string;
}

/**
 * The one job that carries more than an id: the target's credentials are not kept in the catalog, so the URL travels
 * sealed with the platform key (an envelope, as backups are) and the job is deleted once it has run.
 */
export interface RestoreDisasterPayload {
  restoreId: string;
  sealedTarget: string;
}

/** SPEC §8: verification covers the backups of the last 7 days. */
export const RECENT_DAYS = 7;

export interface VerifyRecentPayload {
  days: number;
}

/** BullMQ custom ids may not contain ':'; deterministic ids make re-enqueueing a no-op. */
export const disasterBackupJobId = (backupId: string) => `disaster-backup-${backupId}`;
export const disasterRestoreJobId = (restoreId: string) => `disaster-restore-${restoreId}`;
export const verifyRecentJobId = (day: string) => `verify-recent-${day}`;
