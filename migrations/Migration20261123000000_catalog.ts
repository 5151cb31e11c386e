import { Migration } from '@mikro-orm/migrations';

/** The catalog: backups and their copies, tenant locks, audit trail. */
export class Migration20261123000000_catalog extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table backup_records (
        id uuid primary key,
        type text not null check (type in ('TENANT', 'PRE_RESTORE', 'CUSTOMER', 'DISASTER')),
        tenant_id uuid null,
        status text not null check (status in ('PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED')),
        verification_status text not null check (verification_status in ('UNVERIFIED', 'VERIFIED', 'FAILED')),
        progress integer not null default 0 check (progress between 0 and 100),
        raw_bytes bigint null,
        compressed_bytes bigint null,
        stored_bytes bigint null,
        compression_ratio double precision null,
        sha256 text null,
        compression text not null default 'gzip',
        key_id text null,
        row_counts jsonb null,
        duration_ms integer null,
        error_message text null,
        initiated_by text not null,
        idempotency_key text null unique,
        created_at timestamptz not null,
        started_at timestamptz null,
        completed_at timestamptz null,
        expires_at timestamptz null
      )`);
    this.addSql(`create index backup_records_tenant_id_created_at_index on backup_records (tenant_id, created_at)`);
    this.addSql(`create index backup_records_type_created_at_index on backup_records (type, created_at)`);
    this.addSql(`
      create table backup_locations (
        id uuid primary key,
        backup_id uuid not null references backup_records (id) on delete cascade,
        provider text not null,
        key text not null,
        size bigint null,
        status text not null check (status in ('PENDING', 'STORED', 'FAILED')),
        verification_status text not null check (verification_status in ('UNVERIFIED', 'VERIFIED', 'FAILED')),
        verified_at timestamptz null,
        error text null,
        updated_at timestamptz not null,
        constraint backup_locations_backup_id_provider_unique unique (backup_id, provider)
      )`);
    this.addSql(`
      create table tenant_locks (
        tenant_id uuid primary key,
        operation text not null,
        operation_id uuid not null,
        acquired_at timestamptz not null,
        heartbeat_at timestamptz not null
      )`);
    this.addSql(`
      create table audit_records (
        id uuid primary key,
        actor text not null,
        actor_role text not null,
        action text not null,
        target_type text not null,
        target_id text null,
        tenant_id uuid null,
        outcome text not null check (outcome in ('SUCCESS', 'FAILURE')),
        detail jsonb null,
        at timestamptz not null
      )`);
    this.addSql(`create index audit_records_at_index on audit_records (at)`);
  }
}
