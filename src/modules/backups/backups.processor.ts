import { Processor } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { QueueWorker } from '../../common/queue-worker';
import { BackupJobRunner } from './backup-job-runner.service';
import { QueueName, RunBackupPayload } from './backups.jobs';

/** Thin BullMQ worker of tenant backups (BACKUP_CONCURRENCY at a time). */
@Processor(QueueName.BACKUPS)
export class BackupsProcessor extends QueueWorker {
  constructor(private readonly runner: BackupJobRunner) {
    super();
  }

  protected override concurrency(): number {
    return this.config.queues.backupConcurrency;
  }

  process(job: Job<RunBackupPayload>): Promise<void> {
    return this.runner.run(job);
  }

  protected override async abandon(job: Job<RunBackupPayload>, reason: string): Promise<void> {
    await this.runner.failForGood(job.data.backupId, reason);
  }
}
