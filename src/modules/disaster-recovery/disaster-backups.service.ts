import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { addJob } from '../../common/queueing';
import { BackupRecord, BackupRunningError, BackupsService, BackupType, RunBackupPayload } from '../backups';
import { DisasterJob, disasterBackupJobId, DisasterQueue } from './disaster-recovery.jobs';

/** Requests and queries of disaster backups; the work itself runs in DisasterBackupsProcessor. */
@Injectable()
export class DisasterBackupsService {
  private readonly logger = new Logger(DisasterBackupsService.name);

  constructor(
    private readonly backups: BackupsService,
    @InjectQueue(DisasterQueue.BACKUPS) private readonly queue: Queue<RunBackupPayload>,
  ) {}

  /** One at a time, across replicas (the platform's disaster lock): 409 while one is pending or running. */
  request(initiatedBy: string, idempotencyKey?: string): Promise<BackupRecord> {
    return this.backups.request({
      type: BackupType.DISASTER,
      initiatedBy,
      idempotencyKey,
      enqueue: (record) => addJob(this.queue, DisasterJob.RUN_BACKUP, { backupId: record.id }, { jobId: disasterBackupJobId(record.id) }),
    });
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
      if (error instanceof UniqueConstraintViolationException || error instanceof BackupRunningError) {
        this.logger.log(`nightly disaster backup for ${idempotencyKey} skipped: ${error instanceof BackupRunningError ? error.message : 'already scheduled'}`);
        return null;
      }
      throw error;
    }
  }

  get(backupId: string): Promise<BackupRecord> {
    return this.backups.get(backupId, [BackupType.DISASTER]);
  }

  list(limit: number, offset: number): Promise<[BackupRecord[], number]> {
    return this.backups.list([BackupType.DISASTER], limit, offset);
  }
}
