import { Cascade, Collection, Entity, EntityRepositoryType, Enum, Index, OneToMany, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { ProviderName } from '../../../libs/storage/storage.port';
import { RestoreItem } from './restore-item.entity';
import { RestoreOperationRepository } from './restore-operation.repository';
import { RestoreItemStatus, RestoreMode, RestoreStatus, RestoreType } from './restore.types';

/**
 * A tenant to restore: from `backupId`, or as it was at `targetTime` (point-in-time), or, when `unavailable` says
 * why, not at all (reported as failed).
 */
export interface RestoreTarget {
  tenantId: string;
  backupId?: string;
  targetTime?: Date;
  unavailable?: string;
}

/**
 * A restore requested by an operator (SPEC §7): one tenant or many, each an item with its own outcome. The
 * operation's status sums its items up: COMPLETED when all were restored, FAILED when none, PARTIAL otherwise.
 */
@Entity({ tableName: 'restore_operations', repository: () => RestoreOperationRepository })
@Index({ properties: ['createdAt'] })
export class RestoreOperation {
  [EntityRepositoryType]?: RestoreOperationRepository;

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Enum({ items: () => RestoreType })
  type!: RestoreType;

  @Enum({ items: () => RestoreMode })
  mode!: RestoreMode;

  @Enum({ items: () => RestoreStatus })
  status: RestoreStatus = RestoreStatus.PENDING;

  @Property({ type: 'integer' })
  progress = 0;

  /** The provider the operator asked for; none means any copy that validates. */
  @Property({ type: 'text', nullable: true })
  provider?: ProviderName;

  @Property({ type: 'boolean' })
  skipValidation = false;

  /** ALL restores: each tenant's newest backup at or before this instant. */
  @Property({ type: 'timestamptz', nullable: true })
  backupDate?: Date;

  @OneToMany(() => RestoreItem, (i) => i.restore, { cascade: [Cascade.PERSIST, Cascade.REMOVE], orderBy: { position: 'asc' } })
  items = new Collection<RestoreItem>(this);

  @Property({ type: 'text', nullable: true })
  errorMessage?: string;

  /** A token subject, or `cli:<user>` for the operator CLI. */
  @Property({ type: 'text' })
  initiatedBy!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  startedAt?: Date;

  /** Renewed while the operation runs (from a job or the CLI): the sweep ends one whose runner stopped. */
  @Property({ type: 'timestamptz', nullable: true })
  heartbeatAt?: Date;

  /** An operator asked to stop it; the runner sees this at its next heartbeat and rolls the current tenant back. */
  @Property({ type: 'timestamptz', nullable: true })
  cancelRequestedAt?: Date;

  @Property({ type: 'text', nullable: true })
  cancelRequestedBy?: string;

  @Property({ type: 'timestamptz', nullable: true })
  completedAt?: Date;

  static create(input: { type: RestoreType; mode: RestoreMode; provider?: ProviderName; skipValidation: boolean; backupDate?: Date; initiatedBy: string; targets: RestoreTarget[] }): RestoreOperation {
    if (input.targets.length === 0) throw new Error('a restore needs at least one tenant');
    const operation = new RestoreOperation();
    Object.assign(operation, { type: input.type, mode: input.mode, provider: input.provider, skipValidation: input.skipValidation, backupDate: input.backupDate, initiatedBy: input.initiatedBy });
    input.targets.forEach((target, position) => {
      const item = new RestoreItem();
      Object.assign(item, { restore: operation, position, tenantId: target.tenantId, backupId: target.backupId, targetTime: target.targetTime });
      if (target.unavailable) item.fail(target.unavailable);
      operation.items.add(item);
    });
    return operation;
  }

  get isFinished(): boolean {
    return [RestoreStatus.COMPLETED, RestoreStatus.PARTIAL, RestoreStatus.FAILED].includes(this.status);
  }

  start(): void {
    if (this.isFinished) throw new Error(`restore ${this.id} is already ${this.status}`);
    this.status = RestoreStatus.IN_PROGRESS;
    this.startedAt ??= new Date();
    this.heartbeatAt = new Date();
  }

  /** Share of the work done: restored tenants count whole, the running one by its own progress. */
  refreshProgress(): void {
    const items = this.items.getItems();
    const done = items.reduce((sum, i) => sum + (i.status === RestoreItemStatus.COMPLETED ? 100 : i.isFinished ? 0 : i.progress), 0);
    this.progress = Math.floor(done / items.length);
  }

  /** Once every item has an outcome: the operation's outcome from theirs. */
  settle(): void {
    const items = this.items.getItems();
    if (items.some((i) => !i.isFinished)) throw new Error(`restore ${this.id} still has tenants to restore`);
    const failed = items.filter((i) => i.status === RestoreItemStatus.FAILED);
    if (failed.length === 0) this.status = RestoreStatus.COMPLETED;
    else this.status = failed.length === items.length ? RestoreStatus.FAILED : RestoreStatus.PARTIAL;
    this.errorMessage = this.summarize(failed);
    this.refreshProgress();
    this.completedAt = new Date();
  }

  /** The operation cannot go on (catalog or queue failure): tenants not yet restored fail with `reason`. */
  abort(reason: string): void {
    for (const item of this.items) if (!item.isFinished) item.fail(reason);
    this.settle();
  }

  private summarize(failed: RestoreItem[]): string | undefined {
    if (failed.length === 0) return undefined;
    if (this.type === RestoreType.INDIVIDUAL) return failed[0].errorMessage;
    return `${failed.length} of ${this.items.length} tenants not restored: ${failed.map((i) => `${i.tenantId}: ${i.errorMessage}`).join('; ')}`;
  }
}
