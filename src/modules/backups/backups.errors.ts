import { DomainError } from '../../common/domain-error';

export class BackupNotFoundError extends DomainError {
  readonly code = 'BACKUP.NOT_FOUND';
  readonly kind = 'not_found';
  constructor(backupId: string) {
    super(`Backup ${backupId} not found`);
  }
}

export class BackupNotCompletedError extends DomainError {
  readonly code = 'BACKUP.NOT_COMPLETED';
  readonly kind = 'conflict';
  constructor(backupId: string, status: string) {
    super(`Backup ${backupId} is ${status}; only completed backups can be used`);
  }
}

/** One whole-platform backup at a time: a second dump while one runs would only double the load on the platform. */
export class BackupRunningError extends DomainError {
  readonly code = 'BACKUP.ALREADY_RUNNING';
  readonly kind = 'conflict';
  constructor(type: string, backupId: string | undefined) {
    super(`${type === 'DISASTER' ? 'Disaster backup' : `${type} backup`} ${backupId ?? ''} is still running; wait for it to finish`.replace('  ', ' '));
  }
}

/** Only work that has not ended can be cancelled. */
export class BackupAlreadyFinishedError extends DomainError {
  readonly code = 'BACKUP.ALREADY_FINISHED';
  readonly kind = 'conflict';
  constructor(backupId: string, status: string) {
    super(`Backup ${backupId} is already ${status}; only PENDING or IN_PROGRESS backups can be cancelled`);
  }
}

/** The PRE_RESTORE snapshot could not be taken: its record is FAILED and nothing of it stays stored. */
export class SnapshotFailedError extends DomainError {
  readonly code = 'BACKUP.SNAPSHOT_FAILED';
  readonly kind = 'internal';
}

/** Every provider refused the object: nothing was stored, so the backup cannot complete. */
export class NoCopyStoredError extends Error {
  readonly code = 'BACKUP.NO_COPY_STORED';
}
