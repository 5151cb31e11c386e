import { Processor } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { QueueWorker } from '../../common/queue-worker';
import { BackupJobRunner, RunBackupPayload } from '../backups';
import { DisasterQueue } from './disaster-recovery.jobs';

/** Thin BullMQ worker of disaster backups, one dump at a time: the backup lifecycle runs it with DisasterBackupProducer. */
@Processor(DisasterQueue.BACKUPS)
export class DisasterBackupsProcessor extends QueueWorker {
  constructor(private readonly runner: BackupJobRunner) {
    super();
  }

  process(job: Job<RunBackupPayload>): Promise<void> {
    return this.runner.run(job);
  }

  protected override async abandon(job: Job<RunBackupPayload>, reason: string): Promise<void> {
    await this.runner.failForGood(job.data.backupId, reason);
  }
}
