import { DomainError } from '../../common/domain-error';

/** Unknown, and another tenant's, answer alike: a tenant learns nothing about exports that are not its own. */
export class CustomerExportNotFoundError extends DomainError {
  readonly code = 'CUSTOMER_EXPORT.NOT_FOUND';
  readonly kind = 'not_found';
  constructor(backupId: string) {
    super(`Export ${backupId} not found`);
  }
}

/** The day's allowance is used: 429 with `Retry-After` (read by the HTTP filter) until the next UTC day. */
export class DailyExportLimitError extends DomainError {
  readonly code = 'CUSTOMER_EXPORT.DAILY_LIMIT';
  readonly kind = 'rate_limited';
  readonly retryAfterSeconds: number;
  constructor(limit: number, nextAllowedAt: Date, now: Date) {
    super(
      `The daily limit of ${limit} export${limit === 1 ? '' : 's'} per UTC day is used; the next export can be requested from ${nextAllowedAt.toISOString()} (exports that failed do not count)`,
    );
    this.retryAfterSeconds = Math.ceil((nextAllowedAt.getTime() - now.getTime()) / 1000);
  }
}

/** CUSTOMER_BACKUP_DAILY_LIMIT=0: the platform has switched self-service exports off. */
export class CustomerExportsDisabledError extends DomainError {
  readonly code = 'CUSTOMER_EXPORT.DISABLED';
  readonly kind = 'forbidden';
  constructor() {
    super('Self-service exports are disabled on this platform; ask support for a copy of your data');
  }
}

/** Exports are kept on the local provider only; without it configured none can be stored. */
export class CustomerExportStorageMissingError extends DomainError {
  readonly code = 'CUSTOMER_EXPORT.STORAGE_MISSING';
  readonly kind = 'unavailable';
  constructor() {
    super('Exports cannot be stored right now; please try again later or contact support');
  }
}

/** The download window closed (or the file went after its first complete download): 410. */
export class CustomerExportExpiredError extends DomainError {
  readonly code = 'CUSTOMER_EXPORT.EXPIRED';
  readonly kind = 'gone';
  constructor(backupId: string) {
    super(`Export ${backupId} has expired and its file was deleted; request a new export`);
  }
}

export class CustomerExportNotReadyError extends DomainError {
  readonly code = 'CUSTOMER_EXPORT.NOT_READY';
  readonly kind = 'conflict';
  constructor(backupId: string, status: string) {
    super(status === 'FAILED' ? `Export ${backupId} failed; request a new export` : `Export ${backupId} is not ready yet (${status}); poll GET /api/tenant/backup/status`);
  }
}

/** The stored file does not open (damaged, or not sealed for this tenant); details go to the integrity event, not to the client. */
export class CustomerExportUnreadableError extends DomainError {
  readonly code = 'CUSTOMER_EXPORT.UNREADABLE';
  readonly kind = 'internal';
  constructor(backupId: string) {
    super(`Export ${backupId} cannot be read; support has been alerted, please request a new export`);
  }
}
