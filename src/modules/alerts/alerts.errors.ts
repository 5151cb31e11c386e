import { DomainError } from '../../common/domain-error';

export class AlertNotFoundError extends DomainError {
  readonly code = 'ALERT.NOT_FOUND';
  readonly kind = 'not_found';
  constructor(alertId: string) {
    super(`Alert ${alertId} not found`);
  }
}

/** A resolved alert is history: it cannot be acknowledged or resolved again (a new occurrence opens a new alert). */
export class AlertAlreadyResolvedError extends DomainError {
  readonly code = 'ALERT.ALREADY_RESOLVED';
  readonly kind = 'conflict';
  constructor(alertId: string) {
    super(`Alert ${alertId} is already resolved`);
  }
}
