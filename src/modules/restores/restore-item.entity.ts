import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { ProviderName } from '../../../libs/storage/storage.port';
import type { RestoreOperation } from './restore-operation.entity';
import { RestoreItemStatus } from './restore.types';

/**
 * One tenant of a restore operation, with its own outcome: in a multi-tenant restore one tenant's failure is
 * reported here while the others go on.
 */
@Entity({ tableName: 'restore_items' })
@Unique({ properties: ['restore', 'tenantId'] })
@Index({ properties: ['tenantId'] })
export class RestoreItem {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne('RestoreOperation', { deleteRule: 'cascade' })
  restore!: RestoreOperation;

  /** Order in which the operation works through its tenants. */
  @Property({ type: 'integer' })
  position!: number;

  @Property({ type: 'uuid' })
  tenantId!: string;

  /**
   * No foreign key: retention may delete the backup, the history of what was restored stays. Null when none was found.
   * For a point-in-time restore, the base backup the platform was recovered from (once chosen).
   */
  @Property({ type: 'uuid', nullable: true })
  backupId?: string;

  /** A point-in-time restore: the tenant as it was at this instant (recovered from a base backup and the WAL archive). */
  @Property({ type: 'timestamptz', nullable: true })
  targetTime?: Date;

  /** What the restore of this tenant is doing now (validated, pre-restore snapshot, restoring a table, ...). */
  @Property({ type: 'text', nullable: true })
  phase?: string;

  @Enum({ items: () => RestoreItemStatus })
  status: RestoreItemStatus = RestoreItemStatus.PENDING;

  @Property({ type: 'integer' })
  progress = 0;

  /** The provider whose copy was restored (chosen by validation when none was requested). */
  @Property({ type: 'text', nullable: true })
  provider?: ProviderName;

  /** Rows written per table, `schema.table`. */
  @Property({ type: 'json', nullable: true })
  rowsRestored?: Record<string, number>;

  /** The snapshot taken right before the tenant was overwritten; restoring it is the rollback. */
  @Property({ type: 'uuid', nullable: true })
  preRestoreBackupId?: string;

  @Property({ type: 'text', nullable: true })
  errorMessage?: string;

  @Property({ type: 'timestamptz', nullable: true })
  startedAt?: Date;

  @Property({ type: 'timestamptz', nullable: true })
  completedAt?: Date;

  get isFinished(): boolean {
    return this.status === RestoreItemStatus.COMPLETED || this.status === RestoreItemStatus.FAILED;
  }

  start(): void {
    if (this.isFinished) throw new Error(`restore item ${this.id} is already ${this.status}`);
    this.status = RestoreItemStatus.IN_PROGRESS;
    this.startedAt = new Date();
    this.progress = 0;
  }

  /** A point-in-time restore read the tenant from the platform recovered from this base backup. */
  recoveredFrom(baseBackupId: string): void {
    this.backupId = baseBackupId;
  }

  validated(provider: ProviderName): void {
    this.provider = provider;
  }

  snapshotTaken(backupId: string): void {
    this.preRestoreBackupId = backupId;
  }

  complete(rowsRestored: Record<string, number>): void {
    this.status = RestoreItemStatus.COMPLETED;
    this.rowsRestored = rowsRestored;
    this.progress = 100;
    this.phase = 'restored';
    this.errorMessage = undefined;
    this.completedAt = new Date();
  }

  fail(reason: string): void {
    this.status = RestoreItemStatus.FAILED;
    this.errorMessage = reason;
    this.completedAt = new Date();
  }
}
