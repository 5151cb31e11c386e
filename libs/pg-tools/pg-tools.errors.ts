export type PostgresToolErrorCode = 'PG.TOOL_MISSING' | 'PG.TOOL_VERSION' | 'PG.TOOL_FAILED' | 'PG.DATABASE_UNREACHABLE' | 'PG.INVALID_URL';

/** pg_dump / pg_restore missing, too old or failing, a database they need unreachable, or a URL refused. Messages never carry a password. */
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
    return this.code === 'PG.TOOL_FAILED' || this.code === 'PG.DATABASE_UNREACHABLE';
  }
}
