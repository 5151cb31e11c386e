import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/**
 * A legal hold on a backup: retention never deletes it while the hold is in place. Lifting keeps the row (who placed
 * it, why, who lifted it, when); at most one hold per backup is in place at a time.
 */
@Entity({ tableName: 'backup_holds' })
export class BackupHold {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  backupId!: string;

  @Property({ type: 'text' })
  reason!: string;

  @Property({ type: 'text' })
  placedBy!: string;

  @Property({ type: 'timestamptz' })
  placedAt: Date = new Date();

  @Property({ type: 'text', nullable: true })
  liftedBy?: string;

  @Property({ type: 'timestamptz', nullable: true })
  liftedAt?: Date;

  static place(backupId: string, reason: string, by: string): BackupHold {
    return Object.assign(new BackupHold(), { backupId, reason, placedBy: by });
  }

  lift(by: string): void {
    this.liftedBy = by;
    this.liftedAt = new Date();
  }
}
