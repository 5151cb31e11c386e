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

/** Locks per statement of acquireMany / releaseManyWithin: two uuid array parameters, whatever the count. */
const BATCH = 1000;

/** A uuid[] parameter as PostgreSQL's array literal (the query builder would spread a JS array into a list of values). */
function uuidArray(ids: readonly string[]): string {
  if (!ids.every((id) => /^[0-9a-f-]{36}$/i.test(id))) throw new Error('lock keys must be UUIDs');
  return `{${ids.join(',')}}`;
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
    if ((await this.acquireMany(em, operation, [{ tenantId, operationId }])).size === 0) {
      const holder = await em.findOne(TenantLock, { tenantId });
      throw new TenantBusyError(tenantId, holder?.operation ?? 'another operation', holder?.operationId ?? 'unknown');
    }
  }

  /**
   * Takes the locks of many tenants (each listed once) as acquire() does, with one statement per 1,000, inside the
   * caller's transaction; returns the tenants whose lock it took, the others being busy. Callers that lock the same
   * tenants concurrently should list them in the same order, so that neither waits for the other in a circle.
   */
  async acquireMany(em: EntityManager, operation: string, locks: readonly { tenantId: string; operationId: string }[]): Promise<Set<string>> {
    const staleBefore = new Date(Date.now() - this.config.backup.lockStaleSeconds * 1000);
    const taken = new Set<string>();
    for (let i = 0; i < locks.length; i += BATCH) {
      const batch = locks.slice(i, i + BATCH);
      const rows = await em.getConnection().execute<{ tenant_id: string }[]>(
        `insert into tenant_locks (tenant_id, operation, operation_id, acquired_at, heartbeat_at)
         select l.tenant_id, ?, l.operation_id, now(), now() from unnest(?::uuid[], ?::uuid[]) with ordinality as l(tenant_id, operation_id, position) order by l.position
         on conflict (tenant_id) do update set operation = excluded.operation, operation_id = excluded.operation_id, acquired_at = now(), heartbeat_at = now()
         where tenant_locks.heartbeat_at < ? or tenant_locks.operation_id = excluded.operation_id
         returning tenant_id`,
        [operation, uuidArray(batch.map((l) => l.tenantId)), uuidArray(batch.map((l) => l.operationId)), staleBefore],
        'all',
        em.getTransactionContext(),
      );
      for (const row of rows) taken.add(row.tenant_id);
    }
    return taken;
  }

  /** Frees many tenants' locks of the given operations inside the caller's transaction, one statement per 1,000. */
  async releaseManyWithin(em: EntityManager, locks: readonly { tenantId: string; operationId: string }[]): Promise<void> {
    for (let i = 0; i < locks.length; i += BATCH) {
      const batch = locks.slice(i, i + BATCH);
      await em.getConnection().execute(
        'delete from tenant_locks where (tenant_id, operation_id) in (select * from unnest(?::uuid[], ?::uuid[]))',
        [uuidArray(batch.map((l) => l.tenantId)), uuidArray(batch.map((l) => l.operationId))],
        'run',
        em.getTransactionContext(),
      );
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
