import { Processor } from '@nestjs/bullmq';
import { BackupQueueWorker } from '../backups';
import { DisasterQueue } from './disaster-recovery.jobs';

/** Disaster backups, one dump at a time, run with DisasterBackupProducer. */
@Processor(DisasterQueue.BACKUPS)
export class DisasterBackupsProcessor extends BackupQueueWorker {}
