import { Migration } from '@mikro-orm/migrations';

/**
 * Customer self-exports. `customer_exports` adds to a CUSTOMER backup record its allowance day, download window,
 * downloads and expiry. The daily limit is enforced with a row lock rather than a unique index: each request of a
 * tenant locks its (tenant, day) row in `customer_export_days` and then counts that day's exports whose record has not
 * FAILED, so concurrent requests queue and see each other, any limit works, and a failed export gives its allowance
 * back by its status alone (a partial unique index could not look at the record's status in another table).
 */
export class Migration20261202130000_customer_exports extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table customer_exports (
        backup_id uuid primary key references backup_records (id) on delete cascade,
        tenant_id uuid not null,
        day date not null,
        expires_at timestamptz not null,
        download_count integer not null default 0,
        last_downloaded_at timestamptz null,
        expired_at timestamptz null,
        expired_because text null check (expired_because in ('TTL', 'DOWNLOADED'))
      )`);
    this.addSql(`create index customer_exports_tenant_id_day_index on customer_exports (tenant_id, day)`);
    this.addSql(`create index customer_exports_due_index on customer_exports (expires_at) where expired_at is null`);
    this.addSql(`create table customer_export_days (tenant_id uuid not null, day date not null, primary key (tenant_id, day))`);
  }
}
