import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One row per tenant that is being backed up or restored. The primary key makes the lock exclusive across
 * every replica; the owning operation id lets a retried job (after a worker crash) keep its own lock; the
 * heartbeat lets a lock whose owner vanished be taken over once it is stale.
 */
@Entity({ tableName: 'tenant_locks' })
export class TenantLock {
  @PrimaryKey({ type: 'uuid' })
  tenantId!: string;

  @Property({ type: 'text' })
  operation!: string;

  @Property({ type: 'uuid' })
  operationId!: string;

  @Property({ type: 'timestamptz' })
  acquiredAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  heartbeatAt: Date = new Date();
}
