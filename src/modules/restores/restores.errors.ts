import { DomainError } from '../../common/domain-error';

export class RestoreNotFoundError extends DomainError {
  readonly code = 'RESTORE.NOT_FOUND';
  readonly kind = 'not_found';
  constructor(restoreId: string) {
    super(`Restore ${restoreId} not found`);
  }
}

export class RestoreAlreadyFinishedError extends DomainError {
  readonly code = 'RESTORE.ALREADY_FINISHED';
  readonly kind = 'conflict';
  constructor(restoreId: string, status: string) {
    super(`Restore ${restoreId} is already ${status}; only PENDING or IN_PROGRESS restores can be cancelled`);
  }
}

export class BackupOfAnotherTenantError extends DomainError {
  readonly code = 'RESTORE.BACKUP_OF_ANOTHER_TENANT';
  readonly kind = 'invalid';
  constructor(backupId: string, tenantId: string) {
    super(`Backup ${backupId} does not belong to tenant ${tenantId}`);
  }
}

export class BackupNotRestorableError extends DomainError {
  readonly code = 'RESTORE.BACKUP_NOT_RESTORABLE';
  readonly kind = 'invalid';
  constructor(backupId: string, status: string) {
    super(`Backup ${backupId} is ${status}; only COMPLETED backups can be restored`);
  }
}

export class NoCopyAtProviderError extends DomainError {
  readonly code = 'RESTORE.NO_COPY_AT_PROVIDER';
  readonly kind = 'invalid';
  constructor(backupId: string, provider: string) {
    super(`Backup ${backupId} has no stored copy at provider ${provider}`);
  }
}

export class NoRestoreTargetsError extends DomainError {
  readonly code = 'RESTORE.NO_TARGETS';
  readonly kind = 'invalid';
}

/** Validation found no copy fit to restore, or the schema no longer fits: nothing was touched. */
export class RestoreValidationError extends DomainError {
  readonly code = 'RESTORE.VALIDATION_FAILED';
  readonly kind = 'invalid';
  constructor(problems: string[]) {
    super(`validation failed, nothing was changed: ${problems.join('; ')}`);
  }
}

/** Without a snapshot there would be no way back, so the tenant is not touched. */
export class PreRestoreSnapshotError extends DomainError {
  readonly code = 'RESTORE.PRE_RESTORE_FAILED';
  readonly kind = 'internal';
  constructor(reason: string) {
    super(`pre-restore snapshot failed, nothing was changed: ${reason}`);
  }
}

/** Raised just before the import commits, which rolls it back. */
export class RestoreAbortedError extends DomainError {
  readonly code = 'RESTORE.ABORTED';
  readonly kind = 'internal';
}
