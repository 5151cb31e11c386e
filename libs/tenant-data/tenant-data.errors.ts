/** Stable codes: callers (and the global HTTP filter) branch on these, never on messages. */
export type TenantDataErrorCode =
  | 'TENANT.NOT_FOUND'
  | 'TENANT.INVALID_ID'
  | 'TENANT.CONFIG_INVALID'
  | 'TENANT.EXPORT_STREAM_NOT_CONSUMED'
  | 'TENANT.EXPORT_CLOSED'
  | 'RESTORE.TENANT_MISMATCH'
  | 'RESTORE.SCHEMA_INCOMPATIBLE'
  | 'RESTORE.PRIVILEGE_MISSING'
  | 'RESTORE.LOAD_FAILED'
  | 'RESTORE.FOREIGN_KEY_VIOLATION'
  | 'RESTORE.ARCHIVE_INCOMPLETE';

export class TenantDataError extends Error {
  constructor(
    readonly code: TenantDataErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class TenantNotFoundError extends TenantDataError {
  constructor(readonly tenantId: string) {
    super('TENANT.NOT_FOUND', `Tenant ${tenantId} not found`);
  }
}

/** Tenant ids are inlined into COPY statements, so anything but a UUID is refused before any SQL is built. */
export class InvalidTenantIdError extends TenantDataError {
  constructor(tenantId: unknown) {
    super('TENANT.INVALID_ID', `Invalid tenant id ${JSON.stringify(String(tenantId)).slice(0, 80)}: expected a UUID`);
  }
}

/** The tenancy configuration names a table or column the platform database does not have. */
export class TenancyConfigError extends TenantDataError {
  constructor(message: string) {
    super('TENANT.CONFIG_INVALID', message);
  }
}

export class ExportStreamNotConsumedError extends TenantDataError {
  constructor(table: string) {
    super('TENANT.EXPORT_STREAM_NOT_CONSUMED', `The data of ${table} must be read to its end before the next table is requested`);
  }
}

export class ExportClosedError extends TenantDataError {
  constructor() {
    super('TENANT.EXPORT_CLOSED', 'The tenant export is closed');
  }
}

/** The archive belongs to another tenant than the one being restored. */
export class TenantMismatchError extends TenantDataError {
  constructor(
    readonly archiveTenantId: string,
    readonly tenantId: string,
  ) {
    super('RESTORE.TENANT_MISMATCH', `The archive holds tenant ${archiveTenantId}, not tenant ${tenantId}`);
  }
}

/** The backup's rows do not fit the current schema; raised before anything is written. */
export class SchemaIncompatibleError extends TenantDataError {
  constructor(readonly problems: string[]) {
    super('RESTORE.SCHEMA_INCOMPATIBLE', `The backup does not fit the current schema: ${problems.join('; ')}`);
  }
}

/** The restoring role may not switch triggers off (libs/tenant-data/IMPORT.md, "Privileges"). */
export class RestorePrivilegeError extends TenantDataError {
  constructor(cause: unknown) {
    super(
      'RESTORE.PRIVILEGE_MISSING',
      'The database role may not SET session_replication_role: make it a superuser or GRANT SET ON PARAMETER session_replication_role to it (libs/tenant-data/IMPORT.md)',
      { cause },
    );
  }
}

/** PostgreSQL refused a table's rows (a constraint, a type): the whole restore was rolled back. */
export class RestoreLoadError extends TenantDataError {
  constructor(
    readonly table: string,
    cause: Error,
  ) {
    super('RESTORE.LOAD_FAILED', `Restoring ${table} failed: ${cause.message}`, { cause });
  }
}

/** Restored rows reference rows that do not exist; triggers are off during a load, so the import checks this itself. */
export class ForeignKeyViolationError extends TenantDataError {
  constructor(readonly violations: string[]) {
    super('RESTORE.FOREIGN_KEY_VIOLATION', `Restored rows reference missing rows: ${violations.join('; ')}`);
  }
}

/** The entries ended before the summary that vouches for the content, or did not start with a manifest. */
export class IncompleteArchiveError extends TenantDataError {
  constructor(message: string) {
    super('RESTORE.ARCHIVE_INCOMPLETE', message);
  }
}
