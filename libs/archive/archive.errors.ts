/** Stable codes: callers (restore, CLI) branch on these, never on messages. */
export type ArchiveErrorCode =
  /** Not a tenant archive: missing manifest, unexpected or misordered entries, truncated stream, unreadable tar or JSON. */
  | 'ARCHIVE.MALFORMED'
  /** A table's data differs from what summary.json recorded when the archive was written. */
  | 'ARCHIVE.CONTENT_MISMATCH'
  /** The writer was given a manifest, tables or options that do not fit the format. */
  | 'ARCHIVE.INVALID_INPUT';

export class ArchiveError extends Error {
  /** The table (`schema.table`) the error is about, when there is one. */
  readonly table?: string;

  constructor(
    readonly code: ArchiveErrorCode,
    message: string,
    options?: { cause?: unknown; table?: string },
  ) {
    super(message, options);
    this.name = new.target.name;
    this.table = options?.table;
  }
}
