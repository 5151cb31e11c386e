import { DomainError } from '../../common/domain-error';

export class DisasterRestoreNotFoundError extends DomainError {
  readonly code = 'DISASTER.RESTORE_NOT_FOUND';
  readonly kind = 'not_found';
  constructor(restoreId: string) {
    super(`Disaster restore ${restoreId} not found`);
  }
}

export class TargetNotEmptyError extends DomainError {
  readonly code = 'DISASTER.TARGET_NOT_EMPTY';
  readonly kind = 'conflict';
  constructor(database: string, objects: number) {
    super(`Target database ${database} is not empty (${objects} objects); pass cleanTarget: true to drop and replace what the backup contains`);
  }
}

/** The target URL is not one a restore may use; `problem` never quotes the URL or its password. */
export class TargetUrlInvalidError extends DomainError {
  readonly code = 'DISASTER.TARGET_INVALID';
  readonly kind = 'invalid';
  constructor(problem: string) {
    super(`targetDatabaseUrl: ${problem}`);
  }
}

/** `target` is already without credentials: no password ever reaches a message. */
export class TargetUnreachableError extends DomainError {
  readonly code = 'DISASTER.TARGET_UNREACHABLE';
  readonly kind = 'invalid';
  constructor(target: string, reason: string) {
    super(`targetDatabaseUrl: cannot connect to ${target}: ${reason}`);
  }
}

/** A disaster restore overwrites a whole database: never TenantVault's own catalog, never the live platform. */
export class TargetProtectedError extends DomainError {
  readonly code = 'DISASTER.TARGET_PROTECTED';
  readonly kind = 'invalid';
  constructor(what: 'catalog' | 'platform') {
    super(what === 'catalog' ? "targetDatabaseUrl points at TenantVault's own catalog database" : 'targetDatabaseUrl points at the live platform database (SOURCE_DATABASE_URL); restore into a new, empty database');
  }
}

export class DisasterRestoreRunningError extends DomainError {
  readonly code = 'DISASTER.RESTORE_RUNNING';
  readonly kind = 'conflict';
  constructor(restoreId: string) {
    super(`Disaster restore ${restoreId} into the same target database is still running`);
  }
}

export class NoCopyAtProviderError extends DomainError {
  readonly code = 'DISASTER.NO_COPY_AT_PROVIDER';
  readonly kind = 'conflict';
  constructor(backupId: string, provider: string) {
    super(`Backup ${backupId} has no stored copy at ${provider}`);
  }
}
