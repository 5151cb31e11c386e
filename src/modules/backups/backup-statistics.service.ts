import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { PlatformDatabase } from '../platform';
import { BackupStatus, BackupType, LocationStatus } from './backup.types';

/** Backups that did complete, whatever happened to them since (retention, expired downloads). */
const SUCCEEDED = [BackupStatus.COMPLETED, BackupStatus.DELETED, BackupStatus.EXPIRED];

export interface BackupOutcomeCount {
  type: BackupType;
  completed: number;
  failed: number;
}

export interface BackupDurationStats {
  type: BackupType;
  count: number;
  averageMs: number;
  p95Ms: number;
}

export interface StoredBytesAtProvider {
  provider: string;
  bytes: number;
  backups: number;
}

export interface TenantFreshness {
  /** Every active tenant with its newest restorable TENANT backup, stalest first (never backed up first of all). */
  tenants: { tenantId: string; lastBackupAt?: Date }[];
  /** How many of them (the first ones) have no such backup completed after the cut-off. */
  stale: number;
}

export interface BackupTotal {
  type: BackupType;
  status: BackupStatus;
  count: number;
}

/**
 * Read-only questions about the catalog that alert rules, monitoring, metrics and health checks ask: history, rates,
 * durations, usage. Plain SQL aggregates, so they stay cheap with many tenants and backups.
 */
@Injectable()
export class BackupStatisticsService {
  constructor(
    private readonly em: EntityManager,
    private readonly platform: PlatformDatabase,
  ) {}

  /** Stored sizes of the tenant's latest completed TENANT backups other than `exceptBackupId`, newest first. */
  async recentTenantBackupSizes(tenantId: string, exceptBackupId: string, limit: number): Promise<number[]> {
    const rows = await this.query<{ stored_bytes: string }>(
      `select stored_bytes from backup_records
       where tenant_id = ? and type = ? and status in (?, ?, ?) and id <> ? and stored_bytes is not null
       order by completed_at desc limit ?`,
      [tenantId, BackupType.TENANT, ...SUCCEEDED, exceptBackupId, limit],
    );
    return rows.map((r) => Number(r.stored_bytes));
  }

  /** How recently each active tenant of the platform was backed up, stalest first, against `staleBefore`. */
  async tenantFreshness(staleBefore: Date): Promise<TenantFreshness> {
    const [active, last] = await Promise.all([this.platform.activeTenantIds(), this.lastCompletedTenantBackups()]);
    const at = (tenantId: string) => last.get(tenantId)?.getTime() ?? -Infinity;
    const tenants = [...active].sort((a, b) => at(a) - at(b) || a.localeCompare(b)).map((tenantId) => ({ tenantId, lastBackupAt: last.get(tenantId) }));
    return { tenants, stale: tenants.filter((t) => at(t.tenantId) <= staleBefore.getTime()).length };
  }

  /** When the newest restorable backup of a type completed (e.g. DISASTER), if there is one. */
  async lastCompleted(type: BackupType): Promise<Date | undefined> {
    const [row] = await this.query<{ at: Date | null }>(`select max(completed_at) as at from backup_records where type = ? and status = ?`, [type, BackupStatus.COMPLETED]);
    return row?.at ? new Date(row.at) : undefined;
  }

  /** Backups that finished (completed or failed for good) in [since, until), per type. */
  async outcomes(since: Date, until: Date = new Date()): Promise<BackupOutcomeCount[]> {
    const rows = await this.query<{ type: BackupType; completed: string; failed: string }>(
      `select type, count(*) filter (where status <> ?) as completed, count(*) filter (where status = ?) as failed
       from backup_records where completed_at >= ? and completed_at < ? and status in (?, ?, ?, ?)
       group by type order by type`,
      [BackupStatus.FAILED, BackupStatus.FAILED, since, until, ...SUCCEEDED, BackupStatus.FAILED],
    );
    return rows.map((r) => ({ type: r.type, completed: Number(r.completed), failed: Number(r.failed) }));
  }

  /** Average and 95th percentile duration of the backups that completed in [since, until), per type. */
  async durations(since: Date, until: Date = new Date()): Promise<BackupDurationStats[]> {
    const rows = await this.query<{ type: BackupType; count: string; average: number; p95: number }>(
      `select type, count(*) as count, avg(duration_ms)::float8 as average, percentile_cont(0.95) within group (order by duration_ms) as p95
       from backup_records where completed_at >= ? and completed_at < ? and status in (?, ?, ?) and duration_ms is not null
       group by type order by type`,
      [since, until, ...SUCCEEDED],
    );
    return rows.map((r) => ({ type: r.type, count: Number(r.count), averageMs: Math.round(Number(r.average)), p95Ms: Math.round(Number(r.p95)) }));
  }

  /** Bytes of the restorable copies the catalog knows at each provider (sidecars and leftovers not counted). */
  async storedBytesPerProvider(): Promise<StoredBytesAtProvider[]> {
    const rows = await this.query<{ provider: string; bytes: string; backups: string }>(
      `select l.provider, coalesce(sum(l.size), 0) as bytes, count(*) as backups
       from backup_locations l join backup_records b on b.id = l.backup_id
       where l.status = ? and b.status = ? group by l.provider order by l.provider`,
      [LocationStatus.STORED, BackupStatus.COMPLETED],
    );
    return rows.map((r) => ({ provider: r.provider, bytes: Number(r.bytes), backups: Number(r.backups) }));
  }

  /** Completed backups still without a stored copy at `provider` (replication's remaining work there). */
  async missingCopiesAt(provider: string): Promise<number> {
    const [row] = await this.query<{ n: string }>(
      `select count(*) as n from backup_locations l join backup_records b on b.id = l.backup_id where l.provider = ? and l.status <> ? and b.status = ?`,
      [provider, LocationStatus.STORED, BackupStatus.COMPLETED],
    );
    return Number(row?.n ?? 0);
  }

  /** How many backups the catalog holds, per type and status. */
  async totals(): Promise<BackupTotal[]> {
    const rows = await this.query<{ type: BackupType; status: BackupStatus; count: string }>(`select type, status, count(*) as count from backup_records group by type, status order by type, status`, []);
    return rows.map((r) => ({ type: r.type, status: r.status, count: Number(r.count) }));
  }

  /** When each tenant's newest restorable (COMPLETED) TENANT backup completed: tenant id → time. */
  private async lastCompletedTenantBackups(): Promise<Map<string, Date>> {
    const rows = await this.query<{ tenant_id: string; at: Date }>(
      `select tenant_id, max(completed_at) as at from backup_records where type = ? and status = ? and tenant_id is not null group by tenant_id`,
      [BackupType.TENANT, BackupStatus.COMPLETED],
    );
    return new Map(rows.map((r) => [r.tenant_id, new Date(r.at)]));
  }

  private query<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.em.getConnection().execute<T[]>(sql, params);
  }
}
