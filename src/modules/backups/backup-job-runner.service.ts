import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { Cancellation } from '../../common/cancellation';
import { DomainEvents } from '../../common/domain-events';
import { APP_CONFIG, AppConfig } from '../../config';
import { TenantLocksService } from '../tenant-locks';
import { backupFacts } from './backup-facts';
import { watchRecord } from './backup-heartbeat';
import { backupLockKey } from './backup-locks';
import { flushWith } from './flush-with';
import { BackupProducers, ProgressReporter } from './backup-producer';
import { BackupStore } from './backup-store.service';
import { BackupRecord } from './backup.entity';
import { BackupStatus } from './backup.types';
import { RunBackupPayload } from './backups.jobs';

/** Progress is written to the job and the record at most this often. */
const PROGRESS_INTERVAL_MS = 1000;

/**
 * One attempt of a backup job, for every type of backup: the type's producer seals the object, the store step keeps
 * it. On failure, either back to PENDING for BullMQ's retry or, on the final attempt, FAILED with its objects removed,
 * its lock freed and `backup.failed` announced. No record stays IN_PROGRESS after the job's last attempt.
 */
@Injectable()
export class BackupJobRunner {
  private readonly logger = new Logger(BackupJobRunner.name);

  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly producers: BackupProducers,
    private readonly store: BackupStore,
    private readonly locks: TenantLocksService,
    private readonly events: DomainEvents,
  ) {}

  async run(job: Job<RunBackupPayload>): Promise<void> {
    const em = this.em.fork();
    const record = await em.findOne(BackupRecord, { id: job.data.backupId }, { populate: ['locations'] });
    if (!record) throw new UnrecoverableError(`backup ${job.data.backupId} is not in the catalog`);
    if (record.isFinished) return; // a duplicate delivery of a job that already settled
    const label = `${record.type} backup ${record.id}${record.tenantId ? ` of tenant ${record.tenantId}` : ''}`;
    const lockKey = backupLockKey(record.type, record.tenantId);
    const stopLockHeartbeat = lockKey ? this.locks.keepAlive(lockKey, record.id) : () => undefined;
    const cancellation = new Cancellation();
    const stopWatching = watchRecord(this.em, this.config, record.id, cancellation);
    // At most one report per PROGRESS_INTERVAL_MS: each is a Redis and a catalog write, which for a small tenant's
    // backup would cost more than its data. A late report must not overwrite a finished record's 100.
    let reportedAt = Date.now();
    const onProgress: ProgressReporter = (p) => {
      if (Date.now() - reportedAt < PROGRESS_INTERVAL_MS) return;
      reportedAt = Date.now();
      return job.updateProgress(p).then(() => em.nativeUpdate(BackupRecord, { id: record.id, status: BackupStatus.IN_PROGRESS }, { progress: p })).then(() => undefined);
    };
    this.logger.log(`${label}: attempt ${job.attemptsMade + 1} started`);
    try {
      record.start();
      await em.flush();
      const sealed = await this.producers.for(record.type).produce(record, onProgress);
      // A cancel stops the upload by failing its source; the store step then fails with it and keeps nothing.
      cancellation.onRequest((cancelled) => sealed.stream.destroy(cancelled));
      await this.store.store(em, record, sealed, async (tx) => {
        if (lockKey) await this.locks.releaseWithin(tx, lockKey, record.id);
      });
      this.logger.log(`${label}: COMPLETED in ${record.durationMs} ms, ${record.storedBytes} bytes stored`);
    } catch (error) {
      const cancelled = cancellation.error;
      if (cancelled) {
        this.logger.warn(`${label}: ${cancelled.message}`);
        await this.failForGood(record.id, cancelled.message, { cancelled: true });
        throw new UnrecoverableError(cancelled.message);
      }
      const reason = (error as Error).message;
      const final = error instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      this.logger.error(`${label}: attempt ${job.attemptsMade + 1}${final ? ' (final)' : ''} failed: ${reason}`);
      if (final) await this.failForGood(record.id, reason);
      else await this.retrying(record.id, reason);
      throw error;
    } finally {
      stopLockHeartbeat();
      stopWatching();
    }
  }

  /**
   * Ends a backup FAILED for good: objects removed, lock freed, `backup.failed` announced (not for a cancel, which is
   * an operator's choice, not a failure). Also used by the sweep and by cancel. A record that is already finished is
   * left alone (returns false).
   */
  async failForGood(backupId: string, reason: string, options: { cancelled?: boolean } = {}): Promise<boolean> {
    const em = this.em.fork();
    const record = await em.findOne(BackupRecord, { id: backupId }, { populate: ['locations'] });
    if (!record || record.isFinished) return false;
    record.fail(reason);
    const lockKey = backupLockKey(record.type, record.tenantId);
    await flushWith(em, async () => {
      if (lockKey) await this.locks.releaseWithin(em, lockKey, record.id);
    });
    await this.store.removeObjects(record);
    if (!options.cancelled) this.events.emit({ type: 'backup.failed', ...backupFacts(record), reason, durationMs: record.durationMs ?? 0 });
    return true;
  }

  private async retrying(backupId: string, reason: string): Promise<void> {
    const em = this.em.fork();
    const record = await em.findOneOrFail(BackupRecord, { id: backupId });
    if (record.isFinished) return;
    record.retrying(reason);
    await em.flush();
  }
}
