import { DomainError } from '../../common/domain-error';

/** A provider named by a request or a record that is not configured in STORAGE_PROVIDERS. */
export class UnknownProviderError extends DomainError {
  readonly code = 'STORAGE.UNKNOWN_PROVIDER';
  readonly kind = 'invalid';
  constructor(provider: string, configured: string[]) {
    super(`provider must be one of the configured providers: ${configured.join(', ')} (got ${provider})`);
  }
}
