import { Processor } from '@nestjs/bullmq';
import { BackupQueueWorker } from './backup-queue-worker';
import { QueueName } from './backups.jobs';

/** Tenant and pre-restore backups (BACKUP_CONCURRENCY at a time). */
@Processor(QueueName.BACKUPS)
export class BackupsProcessor extends BackupQueueWorker {
  protected override concurrency(): number {
    return this.config.queues.backupConcurrency;
  }
}
