import { Migration } from '@mikro-orm/migrations';

/**
 * What the sweep needs to end work whose worker is gone: a heartbeat on backup records and restore operations (also
 * for work that runs inline, without a job: PRE_RESTORE snapshots, CLI restores), and on disaster restores the key of
 * the platform lock they hold on their target, so that whoever ends one frees exactly that lock.
 */
export class Migration20261202000000_lifecycle extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table backup_records add column heartbeat_at timestamptz null`);
    this.addSql(`create index backup_records_active_index on backup_records (status) where status in ('PENDING', 'IN_PROGRESS')`);
    this.addSql(`alter table restore_operations add column heartbeat_at timestamptz null`);
    this.addSql(`alter table disaster_restores add column lock_key uuid null`);
  }
}
