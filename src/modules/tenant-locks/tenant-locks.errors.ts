import { DomainError } from '../../common/domain-error';

export class TenantBusyError extends DomainError {
  readonly code = 'TENANT.BUSY';
  readonly kind = 'conflict';
  constructor(tenantId: string, operation: string, operationId: string) {
    super(`Tenant ${tenantId} is busy: ${operation} ${operationId} is in progress`);
  }
}
