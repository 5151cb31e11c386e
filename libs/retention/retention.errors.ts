import { PolicyProblem } from './retention-policy';

/** Stable codes, as in libs/storage: the Retention context and the HTTP filter branch on these. */
export type RetentionErrorCode = 'RETENTION.INVALID_POLICY' | 'RETENTION.INVALID_INPUT';

export class RetentionError extends Error {
  constructor(
    readonly code: RetentionErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidRetentionPolicyError extends RetentionError {
  constructor(readonly problems: PolicyProblem[]) {
    super('RETENTION.INVALID_POLICY', `invalid retention policy: ${problems.map((p) => p.message).join('; ')}`);
  }
}

/** Candidates or `now` built wrongly (no id, an invalid date, an id twice): a bug upstream, never something to guess around. */
export class InvalidRetentionInputError extends RetentionError {
  constructor(message: string) {
    super('RETENTION.INVALID_INPUT', message);
  }
}
