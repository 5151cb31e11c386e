import { Processor } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { QueueWorker } from '../../common/queue-worker';
import { RecoverPlatformPayload, PointInTimeJob, PointInTimeQueue } from './point-in-time.jobs';
import { PlatformRecoveriesService } from './platform-recoveries.service';
import { WalArchiveService } from './wal-archive.service';

/** Thin worker of the point-in-time queue: one platform recovery at a time, and the WAL sweep. */
@Processor(PointInTimeQueue.RECOVERIES)
export class PlatformRecoveriesProcessor extends QueueWorker {
  constructor(private readonly recoveries: PlatformRecoveriesService) {
    super();
  }

  async process(job: Job<RecoverPlatformPayload>): Promise<string> {
    return (await this.recoveries.run(job.data.recoveryId)).status;
  }
}

@Processor(PointInTimeQueue.WAL_ARCHIVE)
export class WalArchiveProcessor extends QueueWorker {
  constructor(private readonly archive: WalArchiveService) {
    super();
  }

  async process(job: Job): Promise<void> {
    if (job.name !== PointInTimeJob.SWEEP_WAL) throw new Error(`unknown job ${job.name}`);
    await this.archive.sweep();
  }
}
