import { DomainError } from '../../common/domain-error';

/** The target time is outside what the archive covers; the message names the range that is. */
export class NotRecoverableError extends DomainError {
  readonly code = 'PITR.NOT_COVERED';
  readonly kind = 'invalid';
}

export class PlatformRecoveryNotFoundError extends DomainError {
  readonly code = 'PITR.RECOVERY_NOT_FOUND';
  readonly kind = 'not_found';
  constructor(id: string) {
    super(`Platform recovery ${id} not found`);
  }
}

/** The data directory of a recovery is refused before anything is written (not absolute, not empty, no parent). */
export class InvalidDataDirError extends DomainError {
  readonly code = 'PITR.INVALID_DATA_DIR';
  readonly kind = 'invalid';
}
