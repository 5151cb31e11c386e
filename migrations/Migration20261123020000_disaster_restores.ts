import { Migration } from '@mikro-orm/migrations';

/** Whole-database restores of disaster backups. No foreign key to the backup: retention deletes old backups. */
export class Migration20261123020000_disaster_restores extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table disaster_restores (
        id uuid primary key,
        backup_id uuid not null,
        provider text null,
        status text not null check (status in ('PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED')),
        progress integer not null default 0 check (progress between 0 and 100),
        target text not null,
        clean_target boolean not null default false,
        dump_bytes bigint null,
        error_message text null,
        initiated_by text not null,
        created_at timestamptz not null,
        started_at timestamptz null,
        completed_at timestamptz null,
        duration_ms integer null
      )`);
    this.addSql(`create index disaster_restores_created_at_index on disaster_restores (created_at)`);
  }
}
