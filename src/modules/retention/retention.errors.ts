import type { PolicyProblem } from '../../../libs/retention';
import { DomainError } from '../../common/domain-error';

/** A policy that validateRetentionPolicy refused; the message names every bad field. */
export class InvalidPolicyError extends DomainError {
  readonly code = 'RETENTION.INVALID_POLICY';
  readonly kind = 'invalid';
  constructor(readonly problems: PolicyProblem[]) {
    super(problems.map((p) => p.message).join('; '));
  }
}

export class UnretainedTypeError extends DomainError {
  readonly code = 'RETENTION.UNKNOWN_TYPE';
  readonly kind = 'invalid';
  constructor(type: string, allowed: readonly string[]) {
    super(`type must be one of ${allowed.join(', ')} (got ${type.slice(0, 40)}); customer exports expire with their download window`);
  }
}

export class HoldNotFoundError extends DomainError {
  readonly code = 'RETENTION.HOLD_NOT_FOUND';
  readonly kind = 'not_found';
  constructor(backupId: string) {
    super(`Backup ${backupId} is not under a legal hold`);
  }
}

/** Holds and test restores need a backup that exists and still has its objects. */
export class BackupNotRetainedError extends DomainError {
  readonly code = 'RETENTION.BACKUP_NOT_AVAILABLE';
  readonly kind = 'conflict';
  constructor(backupId: string, status: string, what: string) {
    super(`Backup ${backupId} is ${status}: ${what}`);
  }
}

export class RunNotFoundError extends DomainError {
  readonly code = 'RETENTION.RUN_NOT_FOUND';
  readonly kind = 'not_found';
  constructor(what: string, id: string) {
    super(`${what} ${id} not found`);
  }
}

/** The scratch database could not be created or filled: the test restore could not run, which says nothing of the backup. */
export class ScratchDatabaseError extends Error {
  readonly code = 'RETENTION.SCRATCH_DATABASE';
}
