import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { RecoverableRange } from '../../../libs/pitr';
import type { ProviderName } from '../../../libs/storage/storage.port';
import { ValidationFailedError } from '../../common/domain-error';
import { addJob } from '../../common/queueing';
import { BackupRecord, BackupsService, BackupStatus, LocationStatus } from '../backups';
import { PlatformDatabase } from '../platform';
import { PointInTimeService } from '../point-in-time';
import { StorageService } from '../storage';
import { TenantLocksService } from '../tenant-locks';
import { assertRestorableInto } from './restorable-backup';
import { RestoreOperation, RestoreTarget } from './restore-operation.entity';
import { RestoreValidation, RestoreValidator } from './restore-validator.service';
import { RestoreOptions, RestoreType } from './restore.types';
import { BackupNotRestorableError, NoCopyAtProviderError, NoRestoreTargetsError, RestoreAlreadyFinishedError, RestoreNotFoundError } from './restores.errors';
import { RestoreRunner } from './restore-runner.service';
import { RestoreStatus } from './restore.types';
import { RestoreJob, restoreJobId, RestoreQueueName, RunRestorePayload } from './restores.jobs';

/**
 * Requests and queries of restores. Requests are checked here (client mistakes answer 4xx at once); the work
 * runs in RestoreRunner, from the queue or the CLI.
 */
@Injectable()
export class RestoresService {
  private readonly logger = new Logger(RestoresService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly platform: PlatformDatabase,
    private readonly storage: StorageService,
    private readonly locks: TenantLocksService,
    private readonly backups: BackupsService,
    private readonly validator: RestoreValidator,
    private readonly runner: RestoreRunner,
    private readonly pointInTime: PointInTimeService,
    @InjectQueue(RestoreQueueName.RESTORES) private readonly queue: Queue<RunRestorePayload>,
  ) {}

  /**
   * Stops a restore. A queued one loses its job and its tenants fail "cancelled" at once; a running one is asked to
   * stop, and its runner (in any process) rolls the tenant being restored back at its next heartbeat and leaves the
   * rest untouched. Tenants restored before the cancel stay restored.
   */
  async cancel(restoreId: string, by: string): Promise<RestoreOperation> {
    const operation = await this.get(restoreId);
    if (operation.isFinished) throw new RestoreAlreadyFinishedError(operation.id, operation.status);
    const reason = `cancelled by ${by}`;
    const job = await this.queue.getJob(restoreJobId(operation.id));
    if (operation.status === RestoreStatus.PENDING && job && ['waiting', 'delayed', 'prioritized'].includes(await job.getState())) {
      if (await job.remove().then(() => true, () => false)) {
        await this.runner.abort(operation.id, reason, { announce: false });
        return this.get(operation.id);
      }
    }
    await this.em.fork().nativeUpdate(RestoreOperation, { id: operation.id }, { cancelRequestedAt: new Date(), cancelRequestedBy: by });
    return this.get(operation.id);
  }

  /** Validates, enqueues and answers with the PENDING operation (the tenant is locked from now on: 409 if busy). */
  async requestTenantRestore(tenantId: string, backupId: string, options: RestoreOptions, initiatedBy: string): Promise<RestoreOperation> {
    const operation = await this.prepareTenantRestore(tenantId, backupId, options, initiatedBy);
    await this.enqueue(operation);
    return operation;
  }

  /**
   * A point-in-time restore of one tenant: the tenant as it was at `targetTime`, read from the platform recovered to
   * that instant in a scratch cluster, then restored through the usual path. Refused with 400 when the instant is in
   * the future or outside the range the archive covers (the message names it); 409 while the tenant is busy.
   */
  async requestTenantPointInTimeRestore(tenantId: string, targetTime: Date, options: RestoreOptions, initiatedBy: string): Promise<RestoreOperation> {
    if (options.provider) throw new ValidationFailedError('targetTime cannot be combined with provider');
    if (targetTime.getTime() > Date.now()) throw new ValidationFailedError(`targetTime ${targetTime.toISOString()} is in the future`);
    await this.platform.assertTenantExists(tenantId);
    await this.pointInTime.assertRecoverable(targetTime);
    const operation = RestoreOperation.create({ type: RestoreType.INDIVIDUAL, ...options, initiatedBy, targets: [{ tenantId, targetTime }] });
    await this.em.fork().transactional(async (tx) => {
      await this.locks.acquire(tx, tenantId, 'RESTORE', operation.id);
      tx.persist(operation);
    });
    await this.enqueue(operation);
    return operation;
  }

  /** The span of time a point-in-time restore can reach; null when the archive cannot be read now. */
  async continuousRange(): Promise<RecoverableRange | null> {
    return this.pointInTime.recoverableRange().catch((error: Error) => {
      this.logger.warn(`the point-in-time range could not be read: ${error.message}`);
      return null;
    });
  }

  /**
   * Creates an INDIVIDUAL operation holding the tenant's lock, in one transaction, without running it (the CLI runs
   * it inline). TenantBusyError (409) while a backup or restore of the tenant is under way.
   */
  async prepareTenantRestore(tenantId: string, backupId: string, options: RestoreOptions, initiatedBy: string): Promise<RestoreOperation> {
    this.assertProviderConfigured(options.provider);
    await this.checkTarget(tenantId, backupId, options.provider);
    const operation = RestoreOperation.create({ type: RestoreType.INDIVIDUAL, ...options, initiatedBy, targets: [{ tenantId, backupId }] });
    await this.em.fork().transactional(async (tx) => {
      await this.locks.acquire(tx, tenantId, 'RESTORE', operation.id);
      tx.persist(operation);
    });
    return operation;
  }

  /** Each pair is checked now; each tenant is locked when its turn comes, a busy one failing alone. */
  async requestMultipleRestore(pairs: { tenantId: string; backupId: string }[], options: RestoreOptions, initiatedBy: string): Promise<RestoreOperation> {
    this.assertProviderConfigured(options.provider);
    for (const { tenantId, backupId } of pairs) await this.checkTarget(tenantId, backupId, options.provider);
    return this.create(RestoreType.MULTIPLE, pairs, options, initiatedBy);
  }

  /**
   * Every active tenant from its newest completed TENANT backup at or before `backupDate` (default now). A tenant
   * without one is reported as a failed item rather than silently left out.
   */
  async requestAllRestore(backupDate: Date | undefined, options: RestoreOptions, initiatedBy: string): Promise<RestoreOperation> {
    this.assertProviderConfigured(options.provider);
    const at = backupDate ?? new Date();
    const tenantIds = await this.platform.activeTenantIds();
    if (tenantIds.length === 0) throw new NoRestoreTargetsError('There are no active tenants to restore');
    const newest = await this.backups.newestTenantBackups(at, options.provider);
    const targets: RestoreTarget[] = tenantIds.map((tenantId) => {
      const backupId = newest.get(tenantId);
      return backupId ? { tenantId, backupId } : { tenantId, unavailable: `no completed TENANT backup at or before ${at.toISOString()}${options.provider ? ` with a copy at ${options.provider}` : ''}` };
    });
    if (!targets.some((t) => t.backupId)) {
      throw new NoRestoreTargetsError(`No active tenant has a completed TENANT backup at or before ${at.toISOString()}${options.provider ? ` with a copy at ${options.provider}` : ''}`);
    }
    return this.create(RestoreType.ALL, targets, { ...options, backupDate: at }, initiatedBy);
  }

  /** The checks a restore would run first, without changing anything. */
  async validate(backupId: string, provider?: ProviderName): Promise<{ backup: BackupRecord; validation: RestoreValidation }> {
    this.assertProviderConfigured(provider);
    const backup = await this.backups.get(backupId);
    if (backup.status !== BackupStatus.COMPLETED) throw new BackupNotRestorableError(backupId, backup.status);
    return { backup, validation: await this.validator.validate(backup, provider) };
  }

  async get(restoreId: string): Promise<RestoreOperation> {
    const operation = await this.em.fork().getRepository(RestoreOperation).findOneWithItems(restoreId);
    if (!operation) throw new RestoreNotFoundError(restoreId);
    return operation;
  }

  history(tenantId: string | undefined, limit: number, offset: number): Promise<[RestoreOperation[], number]> {
    return this.em.fork().getRepository(RestoreOperation).findPage(tenantId, limit, offset);
  }

  points(tenantId: string, provider: ProviderName | undefined, limit: number, offset: number): Promise<[BackupRecord[], number]> {
    this.assertProviderConfigured(provider);
    return this.backups.restorePoints(tenantId, provider, limit, offset);
  }

  /** The tenant exists, the backup is its own and completed, and holds a copy at the requested provider. */
  private async checkTarget(tenantId: string, backupId: string, provider?: ProviderName): Promise<void> {
    await this.platform.assertTenantExists(tenantId);
    const backup = await this.backups.get(backupId);
    assertRestorableInto(backup, tenantId);
    if (provider && backup.location(provider)?.status !== LocationStatus.STORED) throw new NoCopyAtProviderError(backupId, provider);
  }

  private assertProviderConfigured(provider?: ProviderName): void {
    this.storage.assertConfigured(provider);
  }

  private async create(type: RestoreType, targets: RestoreTarget[], options: RestoreOptions & { backupDate?: Date }, initiatedBy: string): Promise<RestoreOperation> {
    const operation = RestoreOperation.create({ type, ...options, initiatedBy, targets });
    await this.em.fork().persistAndFlush(operation);
    await this.enqueue(operation);
    return operation;
  }

  private async enqueue(operation: RestoreOperation): Promise<void> {
    try {
      await addJob(this.queue, RestoreJob.RUN, { restoreId: operation.id }, { jobId: restoreJobId(operation.id) });
    } catch (error) {
      // The request did not reach the queue: nothing of it may stay behind to block its tenants.
      try {
        await this.em.fork().nativeDelete(RestoreOperation, { id: operation.id });
        for (const item of operation.items) await this.locks.release(item.tenantId, operation.id);
      } catch (undoError) {
        this.logger.error(`restore ${operation.id} could not be undone after a failed enqueue: ${(undoError as Error).message}`);
      }
      throw error;
    }
  }
}
