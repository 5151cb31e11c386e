/** Kinds of failure the HTTP layer maps to status codes; services never throw HttpExceptions. */
export type ErrorKind = 'invalid' | 'not_found' | 'conflict' | 'forbidden' | 'rate_limited' | 'unavailable' | 'internal' | 'gone';

/** Base of every domain error: a stable `code` (e.g. BACKUP.NOT_FOUND) and a message safe to show a client. */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly kind: ErrorKind;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationFailedError extends DomainError {
  readonly code = 'REQUEST.INVALID';
  readonly kind = 'invalid';
}
