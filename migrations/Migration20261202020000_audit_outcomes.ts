import { Migration } from '@mikro-orm/migrations';

/** Refused and denied requests are audited too, told apart from work that failed. */
export class Migration20261202020000_audit_outcomes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table audit_records drop constraint audit_records_outcome_check`);
    this.addSql(`alter table audit_records add constraint audit_records_outcome_check check (outcome in ('SUCCESS', 'FAILURE', 'DENIED', 'REFUSED'))`);
    this.addSql(`create index audit_records_action_at_index on audit_records (action, at)`);
  }
}
