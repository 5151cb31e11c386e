import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Queue } from 'bullmq';
import { DomainEvents } from '../../common/domain-events';
import { addJob } from '../../common/queueing';
import { BackupRecord, BackupRunningError, BackupsService, BackupType, RunBackupPayload } from '../backups';
import { BaseBackupRange } from './base-backup-range.entity';
import { baseBackupJobId, PointInTimeJob, PointInTimeQueue } from './point-in-time.jobs';
import { WalArchiveService } from './wal-archive.service';

/** Requests and queries of BASE backups; the work itself runs in BaseBackupsProcessor through the Backups lifecycle. */
@Injectable()
export class BaseBackupsService implements OnModuleInit {
  private readonly logger = new Logger(BaseBackupsService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly backups: BackupsService,
    private readonly archive: WalArchiveService,
    private readonly events: DomainEvents,
    @InjectQueue(PointInTimeQueue.BASE_BACKUPS) private readonly queue: Queue<RunBackupPayload>,
  ) {}

  onModuleInit(): void {
    // The range sidecar goes beside each copy once the backup is stored (the WAL sweep writes any this misses).
    this.events.on('backup.completed', async (event) => {
      if (event.backupType === 'BASE') await this.archive.writeRangeSidecars(event.backupId, event.storedProviders);
    });
  }

  /** One at a time, across replicas (the platform's base-backup lock): 409 while one is pending or running. */
  request(initiatedBy: string, idempotencyKey?: string): Promise<BackupRecord> {
    return this.backups.request({
      type: BackupType.BASE,
      initiatedBy,
      idempotencyKey,
      enqueue: (record) => addJob(this.queue, PointInTimeJob.RUN_BASE_BACKUP, { backupId: record.id }, { jobId: baseBackupJobId(record.id) }),
    });
  }

  /** The weekly cron's work; `base:<yyyy-mm-dd>` makes N replicas produce one. */
  async enqueueScheduled(day: Date): Promise<BackupRecord | null> {
    const idempotencyKey = `base:${day.toISOString().slice(0, 10)}`;
    try {
      const record = await this.request('scheduler', idempotencyKey);
      this.logger.log(`base backup ${record.id} enqueued (${idempotencyKey})`);
      return record;
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException || error instanceof BackupRunningError) {
        this.logger.log(`base backup for ${idempotencyKey} skipped: ${error instanceof BackupRunningError ? error.message : 'already scheduled'}`);
        return null;
      }
      throw error;
    }
  }

  async get(backupId: string): Promise<{ record: BackupRecord; range: BaseBackupRange | null }> {
    const record = await this.backups.get(backupId, [BackupType.BASE]);
    return { record, range: await this.em.fork().findOne(BaseBackupRange, { backupId: record.id }) };
  }

  async list(limit: number, offset: number): Promise<[{ record: BackupRecord; range: BaseBackupRange | null }[], number]> {
    const [records, total] = await this.backups.list([BackupType.BASE], limit, offset);
    const ranges = new Map((await this.em.fork().find(BaseBackupRange, { backupId: { $in: records.map((r) => r.id) } })).map((r) => [r.backupId, r]));
    return [records.map((record) => ({ record, range: ranges.get(record.id) ?? null })), total];
  }
}
