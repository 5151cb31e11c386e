import { Processor } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { QueueWorker } from '../../common/queue-worker';
import { BackupJobRunner, RunBackupPayload } from '../backups';
import { CustomerExportQueue } from './customer-self-backup.jobs';

/** Thin BullMQ worker of customer exports: the backup lifecycle runs each with CustomerExportProducer. */
@Processor(CustomerExportQueue.EXPORTS)
export class CustomerExportsProcessor extends QueueWorker {
  constructor(private readonly runner: BackupJobRunner) {
    super();
  }

  process(job: Job<RunBackupPayload>): Promise<void> {
    return this.runner.run(job);
  }
}
