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

export class UnknownProviderError extends DomainError {
  readonly code = 'STORAGE.UNKNOWN_PROVIDER';
  readonly kind = 'invalid';
  constructor(provider: string, configured: string[]) {
    super(`provider must be one of the configured providers: ${configured.join(', ')} (got ${provider})`);
  }
}

/** Every provider refused the object: nothing was stored, so the backup cannot complete. */
export class NoCopyStoredError extends Error {
  readonly code = 'BACKUP.NO_COPY_STORED';
}
