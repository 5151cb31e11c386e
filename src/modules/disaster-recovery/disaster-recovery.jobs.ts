export enum DisasterQueue {
  BACKUPS = 'disaster-backups',
  RESTORES = 'disaster-restores',
}

export enum DisasterJob {
  RUN_BACKUP = 'run-disaster-backup',
  RESTORE = 'restore-disaster',
}

/**
 * The one job that carries more than an id: the target's credentials are not kept in the catalog, so its connection
 * travels sealed with the platform key (an envelope, as backups are) and the job is deleted once it has run.
 */
export interface RestoreDisasterPayload {
  restoreId: string;
  sealedTarget: string;
}

/** BullMQ custom ids may not contain ':'; deterministic ids make re-enqueueing a no-op. */
export const disasterBackupJobId = (backupId: string) => `disaster-backup-${backupId}`;
export const disasterRestoreJobId = (restoreId: string) => `disaster-restore-${restoreId}`;
