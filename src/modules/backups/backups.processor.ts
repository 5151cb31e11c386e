import { Processor } from '@nestjs/bullmq';
import { Inject, OnModuleInit } from '@nestjs/common';
import { QueueWorker } from '../../common/queue-worker';
import { Job } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../../config';
import { BackupJobRunner } from './backup-job-runner.service';
import { QueueName, RunBackupPayload } from './backups.jobs';

/** Thin BullMQ worker of tenant backups (BACKUP_CONCURRENCY at a time). */
@Processor(QueueName.BACKUPS)
export class BackupsProcessor extends QueueWorker implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly runner: BackupJobRunner,
  ) {
    super();
  }

  onModuleInit(): void {
    this.worker.concurrency = this.config.queues.backupConcurrency;
  }

  process(job: Job<RunBackupPayload>): Promise<void> {
    return this.runner.run(job);
  }
}
