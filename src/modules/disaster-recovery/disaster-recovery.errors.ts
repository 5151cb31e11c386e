import { DomainError } from '../../common/domain-error';

export class DisasterBackupRunningError extends DomainError {
  readonly code = 'DISASTER.BACKUP_RUNNING';
  readonly kind = 'conflict';
  constructor(backupId: string) {
    super(`Disaster backup ${backupId} is still running; wait for it to finish`);
  }
}

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

/** `target` is already redacted: no password ever reaches a message. */
export class TargetUnreachableError extends DomainError {
  readonly code = 'DISASTER.TARGET_UNREACHABLE';
  readonly kind = 'invalid';
  constructor(target: string, reason: string) {
    super(`targetDatabaseUrl: cannot connect to ${target}: ${reason}`);
  }
}

export class TargetIsCatalogError extends DomainError {
  readonly code = 'DISASTER.TARGET_IS_CATALOG';
  readonly kind = 'invalid';
  constructor() {
    super("targetDatabaseUrl points at TenantVault's own catalog database");
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

export type PostgresToolErrorCode = 'DISASTER.PG_TOOL_MISSING' | 'DISASTER.PG_TOOL_VERSION' | 'DISASTER.PG_TOOL_FAILED' | 'DISASTER.DATABASE_UNREACHABLE';

/** pg_dump / pg_restore missing, too old or failing, or a database they need unreachable. Messages are redacted. */
export class PostgresToolError extends Error {
  constructor(
    readonly code: PostgresToolErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PostgresToolError';
  }

  /** Installing or upgrading the tools is an operator's job; a failed run or a connection may succeed later. */
  get retryable(): boolean {
    return this.code === 'DISASTER.PG_TOOL_FAILED' || this.code === 'DISASTER.DATABASE_UNREACHABLE';
  }
}
