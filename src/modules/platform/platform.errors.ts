import { DomainError } from '../../common/domain-error';

export class TenantNotFoundError extends DomainError {
  readonly code = 'TENANT.NOT_FOUND';
  readonly kind = 'not_found';
  constructor(tenantId: string) {
    super(`Tenant ${tenantId} not found`);
  }
}

/** The platform database cannot be reached: 503, try again later. The reason never carries credentials. */
export class PlatformUnavailableError extends DomainError {
  readonly code = 'PLATFORM.UNAVAILABLE';
  readonly kind = 'unavailable';
  constructor(reason: string) {
    super(`The platform database (SOURCE_DATABASE_URL) is unavailable: ${reason.replace(/:\/\/[^@\s]*@/g, '://***@')}`);
  }
}
