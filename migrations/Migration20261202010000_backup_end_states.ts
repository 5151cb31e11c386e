import { Migration } from '@mikro-orm/migrations';

/** A completed backup's later states: DELETED by retention (the record stays for audit), EXPIRED (customer exports). */
export class Migration20261202010000_backup_end_states extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table backup_records drop constraint backup_records_status_check`);
    this.addSql(`alter table backup_records add constraint backup_records_status_check check (status in ('PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'DELETED', 'EXPIRED'))`);
  }
}
