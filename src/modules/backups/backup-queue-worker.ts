import { Injectable } from '@nestjs/common';
import { Job } from 'bullmq';
import { QueueWorker } from '../../common/queue-worker';
import { BackupJobRunner } from './backup-job-runner.service';
import { RunBackupPayload } from './backups.jobs';

/**
 * The thin BullMQ worker of a backup queue: the lifecycle runs each job with the producer registered for its type, and a
 * process about to die ends its running records with the reason. A context's processor is this class under its queue's
 * `@Processor(...)`, with its own concurrency if it needs one.
 */
@Injectable()
export abstract class BackupQueueWorker extends QueueWorker {
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
