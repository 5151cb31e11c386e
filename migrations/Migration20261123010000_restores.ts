import { Migration } from '@mikro-orm/migrations';

/**
 * Restore operations and their per-tenant items. Backup ids are kept without foreign keys: retention deletes old
 * backups, the record of what was restored stays.
 */
export class Migration20261123010000_restores extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table restore_operations (
        id uuid primary key,
        type text not null check (type in ('INDIVIDUAL', 'MULTIPLE', 'ALL')),
        mode text not null check (mode in ('FULL', 'MERGE')),
        status text not null check (status in ('PENDING', 'IN_PROGRESS', 'COMPLETED', 'PARTIAL', 'FAILED')),
        progress integer not null default 0 check (progress between 0 and 100),
        provider text null,
        skip_validation boolean not null default false,
        backup_date timestamptz null,
        error_message text null,
        initiated_by text not null,
        created_at timestamptz not null,
        started_at timestamptz null,
        completed_at timestamptz null
      )`);
    this.addSql(`create index restore_operations_created_at_index on restore_operations (created_at)`);
    this.addSql(`
      create table restore_items (
        id uuid primary key,
        restore_id uuid not null references restore_operations (id) on delete cascade,
        position integer not null,
        tenant_id uuid not null,
        backup_id uuid null,
        status text not null check (status in ('PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED')),
        progress integer not null default 0 check (progress between 0 and 100),
        provider text null,
        rows_restored jsonb null,
        pre_restore_backup_id uuid null,
        error_message text null,
        started_at timestamptz null,
        completed_at timestamptz null,
        constraint restore_items_restore_id_tenant_id_unique unique (restore_id, tenant_id)
      )`);
    this.addSql(`create index restore_items_tenant_id_index on restore_items (tenant_id)`);
  }
}
