import { Entity, Enum, Index, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

export enum PlatformRecoveryStatus {
  PENDING = 'PENDING',
  IN_PROGRESS = 'IN_PROGRESS',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
}

/** The platform cluster recovered to a time into a new data directory on the worker's machine (POST /restore/disaster/pitr). */
@Entity({ tableName: 'pitr_recoveries' })
@Index({ properties: ['createdAt'] })
export class PlatformRecovery {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Enum({ items: () => PlatformRecoveryStatus })
  status: PlatformRecoveryStatus = PlatformRecoveryStatus.PENDING;

  /** What it is doing now: downloading the base backup, replaying WAL, ... */
  @Property({ type: 'text', nullable: true })
  phase?: string;

  @Property({ type: 'integer' })
  progress = 0;

  @Property({ type: 'timestamptz' })
  targetTime!: Date;

  @Property({ type: 'text' })
  dataDir!: string;

  @Property({ type: 'integer' })
  port!: number;

  @Property({ type: 'boolean' })
  keepArchiving = false;

  @Property({ type: 'uuid', nullable: true })
  baseBackupId?: string;

  /** `target`, or `end-of-archive` when no commit after the target was archived (the same state). */
  @Property({ type: 'text', nullable: true })
  reachedBy?: string;

  @Property({ type: 'text', nullable: true })
  errorMessage?: string;

  @Property({ type: 'text' })
  initiatedBy!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  startedAt?: Date;

  @Property({ type: 'timestamptz', nullable: true })
  heartbeatAt?: Date;

  @Property({ type: 'timestamptz', nullable: true })
  completedAt?: Date;

  static create(input: { targetTime: Date; dataDir: string; port: number; keepArchiving: boolean; initiatedBy: string }): PlatformRecovery {
    return Object.assign(new PlatformRecovery(), input);
  }

  get isFinished(): boolean {
    return this.status === PlatformRecoveryStatus.COMPLETED || this.status === PlatformRecoveryStatus.FAILED;
  }

  start(): void {
    if (this.isFinished) throw new Error(`recovery ${this.id} is already ${this.status}`);
    this.status = PlatformRecoveryStatus.IN_PROGRESS;
    this.startedAt = new Date();
    this.heartbeatAt = this.startedAt;
  }

  complete(baseBackupId: string, reachedBy: string): void {
    Object.assign(this, { status: PlatformRecoveryStatus.COMPLETED, baseBackupId, reachedBy, progress: 100, phase: 'target reached', completedAt: new Date() });
  }

  fail(reason: string): void {
    Object.assign(this, { status: PlatformRecoveryStatus.FAILED, errorMessage: reason, completedAt: new Date() });
  }
}
