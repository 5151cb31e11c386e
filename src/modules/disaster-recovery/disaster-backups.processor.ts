import { EntityManager } from '@mikro-orm/postgresql';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { BackupAttempts } from '../backups/backup-attempts.service';
import { BackupRecord } from '../backups/backup.entity';
import { DisasterBackupRunner } from './disaster-backup-runner.service';
import { DisasterQueue, RunDisasterBackupPayload } from './disaster-recovery.jobs';

/** Thin BullMQ worker (one dump at a time): runs DisasterBackupRunner and settles the record on the final attempt. */
@Processor(DisasterQueue.BACKUPS)
export class DisasterBackupsProcessor extends WorkerHost {
  private readonly logger = new Logger(DisasterBackupsProcessor.name);

  constructor(
    private readonly em: EntityManager,
    private readonly runner: DisasterBackupRunner,
    private readonly attempts: BackupAttempts,
  ) {
    super();
  }

  async process(job: Job<RunDisasterBackupPayload>): Promise<void> {
    const em = this.em.fork();
    const record = await em.findOne(BackupRecord, { id: job.data.backupId }, { populate: ['locations'] });
    if (!record) throw new UnrecoverableError(`disaster backup ${job.data.backupId} is not in the catalog`);
    if (record.isFinished) return; // a duplicate delivery of a job that already settled
    await this.attempts.run({
      job,
      em,
      record,
      action: 'disaster-backup.complete',
      label: `disaster backup ${record.id}`,
      execute: (onProgress) => this.runner.execute(em, record, onProgress),
    });
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.error(`disaster backups worker: ${error.message}`);
  }
}
