import { DomainError } from '../../common/domain-error';

export class TenantNotFoundError extends DomainError {
  readonly code = 'TENANT.NOT_FOUND';
  readonly kind = 'not_found';
  constructor(tenantId: string) {
    super(`Tenant ${tenantId} not found`);
  }
}
