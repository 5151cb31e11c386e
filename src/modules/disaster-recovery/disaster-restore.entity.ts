import { BigIntType, Entity, Enum, Index, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { ProviderName } from '../../../libs/storage/storage.port';

export enum DisasterRestoreStatus {
  PENDING = 'PENDING',
  IN_PROGRESS = 'IN_PROGRESS',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
}

/** One whole-database restore of a disaster backup into a target database (pg_restore). */
@Entity({ tableName: 'disaster_restores' })
@Index({ properties: ['createdAt'] })
export class DisasterRestore {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** No foreign key: retention may delete the backup, the record of the restore stays. */
  @Property({ type: 'uuid' })
  backupId!: string;

  /** Where the object is read from; chosen when the restore starts if the request named none. */
  @Property({ type: 'text', nullable: true })
  provider?: ProviderName;

  @Enum({ items: () => DisasterRestoreStatus })
  status: DisasterRestoreStatus = DisasterRestoreStatus.PENDING;

  @Property({ type: 'integer' })
  progress = 0;

  /** The target URL with its password replaced: the credentials themselves are never stored. */
  @Property({ type: 'text' })
  target!: string;

  @Property({ type: 'boolean' })
  cleanTarget = false;

  /** The platform lock held on the target while this restore is pending or running. */
  @Property({ type: 'uuid', nullable: true })
  lockKey?: string;

  @Property({ type: new BigIntType('number'), nullable: true })
  dumpBytes?: number;

  @Property({ type: 'text', nullable: true })
  errorMessage?: string;

  @Property({ type: 'text' })
  initiatedBy!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  startedAt?: Date;

  @Property({ type: 'timestamptz', nullable: true })
  completedAt?: Date;

  @Property({ type: 'integer', nullable: true })
  durationMs?: number;

  static create(input: { backupId: string; provider?: ProviderName; target: string; cleanTarget: boolean; initiatedBy: string; lockKey: string }): DisasterRestore {
    return Object.assign(new DisasterRestore(), input);
  }

  get isFinished(): boolean {
    return this.status === DisasterRestoreStatus.COMPLETED || this.status === DisasterRestoreStatus.FAILED;
  }

  start(provider: ProviderName): void {
    if (this.status !== DisasterRestoreStatus.PENDING) throw new Error(`disaster restore ${this.id} is already ${this.status}`);
    this.status = DisasterRestoreStatus.IN_PROGRESS;
    this.provider = provider;
    this.startedAt = new Date();
  }

  complete(dumpBytes: number): void {
    this.status = DisasterRestoreStatus.COMPLETED;
    this.progress = 100;
    this.dumpBytes = dumpBytes;
    this.finish();
  }

  fail(reason: string): void {
    this.status = DisasterRestoreStatus.FAILED;
    this.errorMessage = reason;
    this.finish();
  }

  private finish(): void {
    this.completedAt = new Date();
    this.durationMs = this.completedAt.getTime() - (this.startedAt ?? this.createdAt).getTime();
  }
}
