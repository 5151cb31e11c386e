import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { everyInterval, heartbeatIntervalMs } from '../../common/heartbeat';
import { APP_CONFIG, AppConfig } from '../../config';
import { TenantLock } from './tenant-lock.entity';
import { TenantBusyError } from './tenant-locks.errors';


/**
 * The lock key of a platform-wide operation (one disaster backup at a time, one disaster restore per target): a UUID
 * derived from its name, so it shares the tenant locks' table, heartbeat, takeover and sweep. A random tenant id
 * cannot collide with it (version nibble 8 is not a valid UUID version).
 */
export function platformLockKey(name: string): string {
  const hex = createHash('sha256').update(`tenantvault:platform-lock:${name}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Per-tenant mutual exclusion of backups and restores, shared by every replica through the catalog. */
@Injectable()
export class TenantLocksService {
  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Takes the tenant's lock for an operation, inside the caller's transaction (`em`), or throws TenantBusyError.
   * A stale lock (no heartbeat for TENANT_LOCK_STALE_SECONDS) is taken over.
   */
  async acquire(em: EntityManager, tenantId: string, operation: string, operationId: string): Promise<void> {
    const staleBefore = new Date(Date.now() - this.config.backup.lockStaleSeconds * 1000);
    const rows = await em.getConnection().execute<{ operation_id: string }[]>(
      `insert into tenant_locks (tenant_id, operation, operation_id, acquired_at, heartbeat_at) values (?, ?, ?, now(), now())
       on conflict (tenant_id) do update set operation = excluded.operation, operation_id = excluded.operation_id, acquired_at = now(), heartbeat_at = now()
       where tenant_locks.heartbeat_at < ? or tenant_locks.operation_id = excluded.operation_id
       returning operation_id`,
      [tenantId, operation, operationId, staleBefore],
      'all',
      em.getTransactionContext(),
    );
    if (rows.length === 0) {
      const holder = await em.findOne(TenantLock, { tenantId });
      throw new TenantBusyError(tenantId, holder?.operation ?? 'another operation', holder?.operationId ?? 'unknown');
    }
  }

  /** Keeps a lock fresh while its operation runs; returns false if the operation no longer owns it. */
  async heartbeat(tenantId: string, operationId: string): Promise<boolean> {
    const updated = await this.em.fork().nativeUpdate(TenantLock, { tenantId, operationId }, { heartbeatAt: new Date() });
    return updated > 0;
  }

  /** Heartbeats the lock while its operation runs (well inside the stale and stall limits); call the result to stop. */
  keepAlive(tenantId: string, operationId: string): () => void {
    return everyInterval(heartbeatIntervalMs(this.config), () => this.heartbeat(tenantId, operationId));
  }

  async release(tenantId: string, operationId: string): Promise<void> {
    await this.em.fork().nativeDelete(TenantLock, { tenantId, operationId });
  }

  /** Frees the lock inside the caller's transaction, so that it is free exactly when the operation's end is visible. */
  async releaseWithin(em: EntityManager, tenantId: string, operationId: string): Promise<void> {
    await em.getConnection().execute('delete from tenant_locks where tenant_id = ? and operation_id = ?', [tenantId, operationId], 'run', em.getTransactionContext());
  }

  async holder(tenantId: string): Promise<TenantLock | null> {
    return this.em.fork().findOne(TenantLock, { tenantId });
  }
}
