import { Processor } from '@nestjs/bullmq';
import { BackupQueueWorker } from '../backups';
import { CustomerExportQueue } from './customer-self-backup.jobs';

/** Customer exports, run with CustomerExportProducer. */
@Processor(CustomerExportQueue.EXPORTS)
export class CustomerExportsProcessor extends BackupQueueWorker {}
