import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { baseBackupKey, customerExportKey, disasterBackupKey, tenantBackupKey } from '../../../libs/storage';
import type { ProviderName } from '../../../libs/storage/storage.port';
import { Cancellation } from '../../common/cancellation';
import { DomainEvents } from '../../common/domain-events';
import { addJob } from '../../common/queueing';
import { APP_CONFIG, AppConfig } from '../../config';
import { PlatformDatabase } from '../platform';
import { TenantBusyError, TenantLocksService } from '../tenant-locks';
import { backupFacts } from './backup-facts';
import { watchRecord } from './backup-heartbeat';
import { backupLockKey } from './backup-locks';
import { BackupProducers, ProgressReporter } from './backup-producer';
import { BackupStore } from './backup-store.service';
import { BackupRecord } from './backup.entity';
import { BackupType } from './backup.types';
import { BackupAlreadyFinishedError, BackupNotFoundError, BackupRunningError, SnapshotFailedError } from './backups.errors';
import { BackupJobRunner } from './backup-job-runner.service';
import { BackupStatus } from './backup.types';
import { BackupJob, backupJobId, QueueName, RunBackupPayload } from './backups.jobs';
import { BulkBackupRequests, BulkBackupResult } from './bulk-backup-requests';

export type { BulkBackupResult };

/** A backup asked for by another context, which runs it from its own queue. */
export interface BackupRequest {
  type: BackupType;
  tenantId?: string;
  initiatedBy: string;
  idempotencyKey?: string;
  /** Providers to write to; all configured ones by default (customer exports: local only). */
  providers?: ProviderName[];
  /** Enqueues the job that will run it; when this fails, the record and its lock are undone. */
  enqueue(record: BackupRecord): Promise<void>;
}

/**
 * The Backups face: requests and queries of backups of every type, and PRE_RESTORE snapshots. The work of a request
 * runs in a queue job (BackupJobRunner); a snapshot runs inline, under its restore's lock.
 */
@Injectable()
export class BackupsService {
  private readonly logger = new Logger(BackupsService.name);

  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly platform: PlatformDatabase,
    private readonly locks: TenantLocksService,
    private readonly producers: BackupProducers,
    private readonly store: BackupStore,
    private readonly events: DomainEvents,
    private readonly runner: BackupJobRunner,
    @InjectQueue(QueueName.BACKUPS) private readonly queue: Queue<RunBackupPayload>,
    private readonly bulk: BulkBackupRequests,
  ) {}

  /**
   * Stops a TENANT or DISASTER backup. A queued one (or one waiting for its retry) loses its job and ends FAILED at
   * once; a running one is asked to stop, and the worker running it (in any process) fails its upload at its next
   * heartbeat, so that nothing of it stays stored. A backup whose upload has finished completes anyway.
   */
  async cancel(backupId: string, by: string): Promise<BackupRecord> {
    const record = await this.get(backupId, [BackupType.TENANT, BackupType.DISASTER]);
    if (record.isFinished) throw new BackupAlreadyFinishedError(record.id, record.status);
    const reason = `cancelled by ${by}`;
    const job = this.producers.jobOf(record.type, record.id);
    const queued = job && (await job.queue.getJob(job.jobId));
    if (record.status === BackupStatus.PENDING && queued && ['waiting', 'delayed', 'prioritized'].includes(await queued.getState())) {
      // remove() refuses a job a worker has just locked; then the running path below applies.
      const removed = await queued.remove().then(() => true, () => false);
      if (removed) {
        await this.runner.failForGood(record.id, reason, { cancelled: true });
        return this.get(record.id, [record.type]);
      }
    }
    await this.em.fork().nativeUpdate(BackupRecord, { id: record.id }, { cancelRequestedAt: new Date(), cancelRequestedBy: by });
    this.logger.log(`${record.type} backup ${record.id}: cancel requested by ${by}`);
    return this.get(record.id, [record.type]);
  }

  /**
   * Creates a PENDING record holding its lock (tenant, or the platform's disaster lock) in one transaction, then
   * enqueues it. A busy tenant answers TenantBusyError (409), a running disaster backup BackupRunningError (409). If
   * the enqueue fails, the record and the lock are removed again and the error (QUEUE.UNAVAILABLE, 503) thrown.
   */
  async request(input: BackupRequest): Promise<BackupRecord> {
    const record = BackupRecord.create({
      type: input.type,
      tenantId: input.tenantId,
      initiatedBy: input.initiatedBy,
      idempotencyKey: input.idempotencyKey,
      providers: input.providers ?? this.config.storage.providers,
      objectKey: (r) => objectKeyFor(r),
    });
    const lockKey = backupLockKey(record.type, record.tenantId);
    try {
      await this.em.fork().transactional(async (tx) => {
        if (lockKey) await this.locks.acquire(tx, lockKey, record.type, record.id);
        tx.persist(record);
      });
    } catch (error) {
      if (error instanceof TenantBusyError && (record.type === BackupType.DISASTER || record.type === BackupType.BASE)) throw new BackupRunningError(record.type, (await this.locks.holder(lockKey!))?.operationId);
      throw error;
    }
    try {
      await input.enqueue(record);
    } catch (error) {
      await this.undo(record, lockKey);
      throw error;
    }
    return record;
  }

  async requestTenantBackup(tenantId: string, initiatedBy: string, idempotencyKey?: string): Promise<BackupRecord> {
    await this.platform.assertTenantExists(tenantId);
    return this.request({
      type: BackupType.TENANT,
      tenantId,
      initiatedBy,
      idempotencyKey,
      enqueue: (record) => addJob(this.queue, BackupJob.RUN, { backupId: record.id }, { jobId: backupJobId(record.id) }),
    });
  }

  /** All active tenants (or the listed ones) now, in batches (BulkBackupRequests); busy or unknown tenants are reported, not fatal. */
  requestBulkBackup(initiatedBy: string, tenantIds?: string[]): Promise<BulkBackupResult> {
    return this.bulk.request(initiatedBy, tenantIds);
  }

  /**
   * The daily cron's work. Idempotency keys per tenant and day make N replicas (or a re-run) produce one backup
   * per tenant: a key used already is skipped.
   */
  async enqueueScheduled(day: Date): Promise<BulkBackupResult> {
    const date = day.toISOString().slice(0, 10);
    const result = await this.bulk.scheduled(date);
    this.logger.log(`scheduled backups for ${date}: ${result.accepted.length} enqueued, ${result.skipped.length} skipped`);
    return result;
  }

  /**
   * Backs the tenant up inline, to every configured provider, while the caller (a restore) holds the tenant's lock.
   * Resolves with the completed record; on failure its record is FAILED, its objects removed, `backup.failed`
   * announced, and SnapshotFailedError thrown.
   */
  async takePreRestoreSnapshot(tenantId: string, restoreId: string, onProgress: ProgressReporter): Promise<BackupRecord> {
    const em = this.em.fork();
    const record = BackupRecord.create({
      type: BackupType.PRE_RESTORE,
      tenantId,
      initiatedBy: `restore:${restoreId}`,
      providers: this.config.storage.providers,
      objectKey: (r) => objectKeyFor(r),
    });
    record.start();
    await em.persistAndFlush(record);
    const stopHeartbeat = watchRecord(this.em, this.config, record.id, new Cancellation());
    try {
      await this.store.store(em, record, await this.producers.for(BackupType.PRE_RESTORE).produce(record, onProgress));
      return record;
    } catch (error) {
      const reason = (error as Error).message;
      record.fail(reason);
      await em.flush();
      await this.store.removeObjects(record);
      this.events.emit({ type: 'backup.failed', ...backupFacts(record), reason, durationMs: record.durationMs ?? 0 });
      throw new SnapshotFailedError(reason);
    } finally {
      stopHeartbeat();
    }
  }

  async get(backupId: string, types: BackupType[] = [BackupType.TENANT, BackupType.PRE_RESTORE]): Promise<BackupRecord> {
    const record = await this.em.fork().getRepository(BackupRecord).findOneWithLocations(backupId);
    if (!record || !types.includes(record.type)) throw new BackupNotFoundError(backupId);
    return record;
  }

  listForTenant(tenantId: string, limit: number, offset: number): Promise<[BackupRecord[], number]> {
    return this.list([BackupType.TENANT, BackupType.PRE_RESTORE], limit, offset, tenantId);
  }

  /** Newest first, with locations. */
  list(types: BackupType[], limit: number, offset: number, tenantId?: string): Promise<[BackupRecord[], number]> {
    return this.em.fork().getRepository(BackupRecord).findPage({ type: types, tenantId }, limit, offset);
  }

  /** Completed TENANT and PRE_RESTORE backups of a tenant with a stored copy (at `provider` when given), newest first. */
  restorePoints(tenantId: string, provider: ProviderName | undefined, limit: number, offset: number): Promise<[BackupRecord[], number]> {
    return this.em.fork().getRepository(BackupRecord).findRestorePoints(tenantId, provider, limit, offset);
  }

  /** Each tenant's newest completed TENANT backup created at or before `at` with a stored copy: tenant id → backup id. */
  newestTenantBackups(at: Date, provider?: ProviderName): Promise<Map<string, string>> {
    return this.em.fork().getRepository(BackupRecord).findNewestTenantBackups(at, provider);
  }

  /** The request did not reach the queue: nothing of it may stay behind to block the tenant or be swept later. */
  private async undo(record: BackupRecord, lockKey: string | undefined): Promise<void> {
    try {
      const em = this.em.fork();
      await em.nativeDelete(BackupRecord, { id: record.id });
      if (lockKey) await this.locks.release(lockKey, record.id);
    } catch (error) {
      // The catalog is failing too: the sweep ends the record later (no job), so it cannot block for long.
      this.logger.error(`backup ${record.id} could not be undone after a failed enqueue: ${(error as Error).message}`);
    }
  }
}

/** The storage key of a record, by type (SPEC §5 layout). */
function objectKeyFor(record: BackupRecord): string {
  switch (record.type) {
    case BackupType.TENANT:
    case BackupType.PRE_RESTORE:
      return tenantBackupKey(record.tenantId!, record.id, record.createdAt);
    case BackupType.DISASTER:
      return disasterBackupKey(record.id, record.createdAt);
    case BackupType.CUSTOMER:
      return customerExportKey(record.tenantId!, record.id, record.createdAt);
    case BackupType.BASE:
      return baseBackupKey(record.id, record.createdAt);
  }
}
