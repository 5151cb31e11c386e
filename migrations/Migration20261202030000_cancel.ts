import { Migration } from '@mikro-orm/migrations';

/** An operator's request to stop a backup or a restore, read by whichever worker runs it (through its heartbeat). */
export class Migration20261202030000_cancel extends Migration {
  override async up(): Promise<void> {
    for (const table of ['backup_records', 'restore_operations']) {
      this.addSql(`alter table ${table} add column cancel_requested_at timestamptz null`);
      this.addSql(`alter table ${table} add column cancel_requested_by text null`);
    }
  }
}
