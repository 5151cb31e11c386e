import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { disasterBackupKey } from '../../../libs/storage';
import { APP_CONFIG, AppConfig } from '../../config';
import { BackupRecord } from '../backups/backup.entity';
import { BackupStatus, BackupType } from '../backups/backup.types';
import { BackupsService } from '../backups/backups.service';
import { DisasterBackupRunningError } from './disaster-recovery.errors';
import { DisasterJob, disasterBackupJobId, DisasterQueue, RunDisasterBackupPayload } from './disaster-recovery.jobs';

/** Requests and queries of disaster backups; the work itself runs in DisasterBackupsProcessor. */
@Injectable()
export class DisasterBackupsService {
  private readonly logger = new Logger(DisasterBackupsService.name);

  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly backups: BackupsService,
    @InjectQueue(DisasterQueue.BACKUPS) private readonly queue: Queue<RunDisasterBackupPayload>,
  ) {}

  /** One at a time: a second whole-database dump while one runs would only double the load on the platform. */
  async request(initiatedBy: string, idempotencyKey?: string): Promise<BackupRecord> {
    const em = this.em.fork();
    const running = await em.findOne(BackupRecord, { type: BackupType.DISASTER, status: { $in: [BackupStatus.PENDING, BackupStatus.IN_PROGRESS] } });
    if (running) throw new DisasterBackupRunningError(running.id);
    const record = BackupRecord.create({
      type: BackupType.DISASTER,
      initiatedBy,
      idempotencyKey,
      providers: this.config.storage.providers,
      objectKey: (r) => disasterBackupKey(r.id, r.createdAt),
    });
    await em.persistAndFlush(record);
    try {
      await this.queue.add(DisasterJob.RUN_BACKUP, { backupId: record.id }, { jobId: disasterBackupJobId(record.id) });
    } catch (error) {
      record.fail(`could not enqueue: ${(error as Error).message}`); // nobody would ever finish it otherwise
      await em.flush();
      throw error;
    }
    return record;
  }

  /**
   * The nightly cron's work. The idempotency key `disaster:<yyyy-mm-dd>` makes N replicas (or a re-run) produce one
   * disaster backup per night: the second insert of the key fails and is skipped.
   */
  async enqueueScheduled(day: Date): Promise<BackupRecord | null> {
    const idempotencyKey = `disaster:${day.toISOString().slice(0, 10)}`;
    try {
      const record = await this.request('scheduler', idempotencyKey);
      this.logger.log(`nightly disaster backup ${record.id} enqueued (${idempotencyKey})`);
      return record;
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException || error instanceof DisasterBackupRunningError) {
        this.logger.log(`nightly disaster backup for ${idempotencyKey} skipped: ${error instanceof DisasterBackupRunningError ? error.message : 'already scheduled'}`);
        return null;
      }
      throw error;
    }
  }

  get(backupId: string): Promise<BackupRecord> {
    return this.backups.get(backupId, [BackupType.DISASTER]);
  }

  list(limit: number, offset: number): Promise<[BackupRecord[], number]> {
    return this.em.fork().getRepository(BackupRecord).findPage({ type: BackupType.DISASTER }, limit, offset);
  }
}
