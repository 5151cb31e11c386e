/** Stable codes: callers (the export job, the global HTTP filter) branch on these, never on messages. */
export type CustomerExportErrorCode =
  /** The consumer closed the zip stream before the export was complete (a download or an upload went away). */
  | 'CUSTOMER_EXPORT.ABORTED'
  /** Reading a table's rows failed (lost connection, a statement error) or its CSV ended inside a record. */
  | 'CUSTOMER_EXPORT.TABLE_FAILED';

export class CustomerExportError extends Error {
  constructor(
    readonly code: CustomerExportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class CustomerExportAbortedError extends CustomerExportError {
  constructor() {
    super('CUSTOMER_EXPORT.ABORTED', 'The customer export stream was closed before the export was complete');
  }
}

export class CustomerExportTableError extends CustomerExportError {
  constructor(
    /** `schema.table`. */
    readonly table: string,
    cause: unknown,
  ) {
    super('CUSTOMER_EXPORT.TABLE_FAILED', `Exporting ${table} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
