import { Migration } from '@mikro-orm/migrations';

/** Columns every background run of the Retention context has: status, progress, who, when, and a heartbeat for the sweep. */
const RUN_COLUMNS = `
  id uuid primary key,
  status text not null check (status in ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED')),
  progress integer not null default 0 check (progress between 0 and 100),
  initiated_by text not null,
  created_at timestamptz not null,
  started_at timestamptz null,
  heartbeat_at timestamptz null,
  completed_at timestamptz null,
  error_message text null`;

/**
 * The Retention context: policies per backup type (every change kept), legal holds, retention runs and the deletions
 * they made, verification runs with each copy's check and repair, test restores, and storage scans (orphan sweeps and
 * recounts). Backup ids reference backup_records: retention marks a record DELETED, it never removes it.
 */
export class Migration20261202120000_retention extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table retention_policies (
        id uuid primary key,
        backup_type text not null check (backup_type in ('TENANT', 'PRE_RESTORE', 'DISASTER')),
        policy jsonb not null,
        changed_by text not null,
        changed_at timestamptz not null
      )`);
    this.addSql(`create index retention_policies_type_index on retention_policies (backup_type, changed_at desc)`);

    this.addSql(`
      create table backup_holds (
        id uuid primary key,
        backup_id uuid not null references backup_records (id) on delete cascade,
        reason text not null,
        placed_by text not null,
        placed_at timestamptz not null,
        lifted_by text null,
        lifted_at timestamptz null
      )`);
    this.addSql(`create unique index backup_holds_active_index on backup_holds (backup_id) where lifted_at is null`);

    this.addSql(`
      create table retention_runs (${RUN_COLUMNS},
        dry_run boolean not null,
        evaluated_at timestamptz null,
        decisions jsonb null,
        deleted integer not null default 0,
        failed integer not null default 0,
        failures jsonb null
      )`);
    this.addSql(`create index retention_runs_created_at_index on retention_runs (created_at)`);
    this.addSql(`
      create table backup_deletions (
        backup_id uuid primary key references backup_records (id) on delete cascade,
        retention_run_id uuid null references retention_runs (id) on delete set null,
        deleted_by text not null,
        deleted_at timestamptz not null,
        reason text not null
      )`);

    this.addSql(`
      create table verification_runs (${RUN_COLUMNS},
        scope text not null check (scope in ('BACKUP', 'RECENT')),
        backup_id uuid null,
        provider text null,
        days integer null,
        total integer not null default 0,
        checked integer not null default 0,
        verified integer not null default 0,
        failed integer not null default 0,
        repaired integer not null default 0
      )`);
    this.addSql(`create index verification_runs_active_index on verification_runs (scope, backup_id) where status in ('PENDING', 'RUNNING')`);
    this.addSql(`
      create table copy_checks (
        id uuid primary key,
        run_id uuid not null references verification_runs (id) on delete cascade,
        backup_id uuid not null,
        provider text not null,
        checked_at timestamptz not null,
        outcome text not null check (outcome in ('OK', 'DAMAGED', 'MISSING', 'UNREADABLE')),
        error text null,
        repair text null check (repair in ('REPAIRED', 'FAILED')),
        repaired_from text null,
        repair_error text null
      )`);
    this.addSql(`create index copy_checks_run_index on copy_checks (run_id, backup_id, provider)`);
    this.addSql(`create index copy_checks_backup_index on copy_checks (backup_id, checked_at)`);

    this.addSql(`
      create table test_restores (${RUN_COLUMNS},
        backup_id uuid not null references backup_records (id) on delete cascade,
        backup_type text not null,
        tenant_id uuid null,
        provider text null,
        scratch_database text not null,
        duration_ms integer null,
        rows_restored bigint null,
        tables jsonb null
      )`);
    this.addSql(`create index test_restores_backup_index on test_restores (backup_id, created_at)`);
    this.addSql(`create index test_restores_tenant_index on test_restores (tenant_id, created_at)`);
    this.addSql(`create index test_restores_active_index on test_restores (status) where status in ('PENDING', 'RUNNING')`);

    this.addSql(`
      create table storage_scans (${RUN_COLUMNS},
        kind text not null check (kind in ('SWEEP', 'RECOUNT')),
        dry_run boolean not null default false,
        grace_hours integer null,
        evaluated_at timestamptz null,
        providers jsonb null,
        removed jsonb null,
        flagged jsonb null
      )`);
    this.addSql(`create index storage_scans_kind_index on storage_scans (kind, created_at)`);
  }
}
