/** Stable codes of the point-in-time engine; callers branch on these, never on messages. */
export type PitrErrorCode =
  | 'PITR.BAD_LSN'
  | 'PITR.BAD_WAL_NAME'
  | 'PITR.BAD_HISTORY'
  | 'PITR.BAD_SIDECAR'
  | 'PITR.WAL_CONFLICT'
  | 'PITR.WAL_NOT_ARCHIVED'
  | 'PITR.WAL_UNAVAILABLE'
  | 'PITR.WAL_DAMAGED'
  | 'PITR.NOT_COVERED'
  | 'PITR.TOOL_MISSING'
  | 'PITR.BASE_BACKUP_FAILED'
  | 'PITR.DATA_DIR'
  | 'PITR.OS_USER'
  | 'PITR.SERVER_FAILED'
  | 'PITR.TARGET_NOT_REACHED'
  | 'PITR.TIMEOUT';

export class PitrError extends Error {
  constructor(
    readonly code: PitrErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
