/** Stable codes: callers (and the global HTTP filter) branch on these, never on messages. */
export type TenantDataErrorCode =
  | 'TENANT.NOT_FOUND'
  | 'TENANT.INVALID_ID'
  | 'TENANT.CONFIG_INVALID'
  | 'TENANT.EXPORT_STREAM_NOT_CONSUMED'
  | 'TENANT.EXPORT_CLOSED';

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
