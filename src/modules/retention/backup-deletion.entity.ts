import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** Who deleted a backup's objects, when and why: the record itself stays in the catalog, DELETED, for audit. */
@Entity({ tableName: 'backup_deletions' })
export class BackupDeletion {
  @PrimaryKey({ type: 'uuid' })
  backupId!: string;

  @Property({ type: 'uuid', nullable: true })
  retentionRunId?: string;

  /** Who started the run: a token subject or `scheduler`. */
  @Property({ type: 'text' })
  deletedBy!: string;

  @Property({ type: 'timestamptz' })
  deletedAt: Date = new Date();

  @Property({ type: 'text' })
  reason!: string;
}
