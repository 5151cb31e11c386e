import { Migration } from '@mikro-orm/migrations';

/**
 * Alerts (SPEC §9): one row per alert, its dedup key unique among open (ACTIVE or ACKNOWLEDGED) alerts so that a
 * condition seen again counts an occurrence instead of opening a second alert. Plus the indexes the monitoring queries
 * of the catalog need: newest completed backup per tenant, and backups finished in a time window.
 */
export class Migration20261202110000_alerts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table alerts (
        id uuid primary key,
        type text not null check (type in ('BACKUP_FAILURE', 'RESTORE_FAILURE', 'INTEGRITY_FAILURE', 'SIZE_DEVIATION', 'DURATION_THRESHOLD', 'STORAGE_CAPACITY', 'NO_RECENT_BACKUP', 'PROVIDER_UNREACHABLE', 'REDUNDANCY_DEGRADED', 'LOW_SUCCESS_RATE')),
        severity text not null check (severity in ('INFO', 'WARNING', 'ERROR', 'CRITICAL')),
        status text not null check (status in ('ACTIVE', 'ACKNOWLEDGED', 'RESOLVED')),
        dedup_key text not null,
        message text not null,
        details jsonb not null default '{}',
        tenant_id uuid null,
        backup_id uuid null,
        restore_id uuid null,
        first_seen_at timestamptz not null,
        last_seen_at timestamptz not null,
        occurrences integer not null default 1 check (occurrences >= 1),
        channels_delivered jsonb not null default '[]',
        acknowledged_by text null,
        acknowledged_at timestamptz null,
        resolved_by text null,
        resolved_at timestamptz null,
        resolution_note text null,
        version integer not null default 1
      )`);
    this.addSql(`create unique index alerts_open_dedup_key_unique on alerts (dedup_key) where status in ('ACTIVE', 'ACKNOWLEDGED')`);
    this.addSql(`create index alerts_status_last_seen_at_index on alerts (status, last_seen_at)`);
    this.addSql(`create index alerts_tenant_id_index on alerts (tenant_id) where tenant_id is not null`);
    this.addSql(`create index backup_records_tenant_completed_index on backup_records (tenant_id, completed_at) where status = 'COMPLETED'`);
    this.addSql(`create index backup_records_completed_at_index on backup_records (completed_at)`);
  }
}
