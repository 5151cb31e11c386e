import { Migration } from '@mikro-orm/migrations';

/**
 * Point-in-time recovery. BASE joins the backup types. `wal_segments` indexes the WAL archive (the objects in the
 * buckets are the archive: `wal push` records each file here best effort, and the WAL sweep and `catalog rebuild`
 * fill in what it missed). `base_backup_ranges` keeps each base backup's WAL range, also written beside it as a
 * sidecar. `pitr_recoveries` are platform recoveries to a time (the API's), and a tenant restore item can name a
 * target time instead of a backup, with the phase it is in. Verification runs keep the report of the WAL chain.
 */
export class Migration20261202150000_point_in_time extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table backup_records drop constraint backup_records_type_check`);
    this.addSql(`alter table backup_records add constraint backup_records_type_check check (type in ('TENANT', 'PRE_RESTORE', 'CUSTOMER', 'DISASTER', 'BASE'))`);
    this.addSql(`
      create table wal_segments (
        name text primary key,
        timeline integer not null check (timeline > 0),
        kind text not null check (kind in ('segment', 'history', 'backup', 'partial')),
        bytes bigint not null,
        sha256 text not null,
        stored_bytes bigint not null,
        stored_sha256 text not null,
        key_id text not null,
        modified_at timestamptz not null,
        archived_at timestamptz not null,
        providers text[] not null default '{}'
      )`);
    this.addSql(`create index wal_segments_archived_at_index on wal_segments (archived_at desc)`);
    this.addSql(`
      create table base_backup_ranges (
        backup_id uuid primary key references backup_records (id) on delete cascade,
        label text not null,
        timeline integer not null check (timeline > 0),
        start_lsn text not null,
        stop_lsn text not null,
        started_at timestamptz not null,
        stopped_at timestamptz not null,
        wal_segment_size integer not null,
        server_version text not null,
        system_identifier text not null
      )`);
    this.addSql(`
      create table pitr_recoveries (
        id uuid primary key,
        status text not null check (status in ('PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED')),
        phase text null,
        progress integer not null default 0 check (progress between 0 and 100),
        target_time timestamptz not null,
        data_dir text not null,
        port integer not null,
        keep_archiving boolean not null default false,
        base_backup_id uuid null,
        reached_by text null,
        error_message text null,
        initiated_by text not null,
        created_at timestamptz not null,
        started_at timestamptz null,
        heartbeat_at timestamptz null,
        completed_at timestamptz null
      )`);
    this.addSql(`create index pitr_recoveries_created_at_index on pitr_recoveries (created_at)`);
    this.addSql(`alter table restore_items add column target_time timestamptz null`);
    this.addSql(`alter table restore_items add column phase text null`);
    this.addSql(`alter table verification_runs add column wal_chain jsonb null`);
  }
}
