import { Processor } from '@nestjs/bullmq';
import { BackupQueueWorker } from '../backups';
import { PointInTimeQueue } from './point-in-time.jobs';

/** BASE backups, one at a time, run with BaseBackupProducer. */
@Processor(PointInTimeQueue.BASE_BACKUPS)
export class BaseBackupsProcessor extends BackupQueueWorker {}
