import { Entity, Enum, Index, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { RetentionPolicy } from '../../../libs/retention';
import { BackupType } from '../backups';

/** The backup types retention judges; customer exports expire on their own (24 h download window). */
export const RETAINED_TYPES = [BackupType.TENANT, BackupType.PRE_RESTORE, BackupType.DISASTER] as const;
export type RetainedType = (typeof RETAINED_TYPES)[number];

/**
 * One version of the policy of a backup type: a change adds a row, so the catalog keeps every policy that was ever in
 * force, who set it and when. The newest row of a type is its policy; a type without rows follows the defaults.
 */
@Entity({ tableName: 'retention_policies' })
@Index({ properties: ['backupType', 'changedAt'] })
export class RetentionPolicyVersion {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Enum({ items: () => BackupType })
  backupType!: RetainedType;

  /** Validated by validateRetentionPolicy before it is stored. */
  @Property({ type: 'json' })
  policy!: RetentionPolicy;

  @Property({ type: 'text' })
  changedBy!: string;

  @Property({ type: 'timestamptz' })
  changedAt: Date = new Date();
}
