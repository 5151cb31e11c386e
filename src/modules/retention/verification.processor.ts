import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { DisasterQueue, VerifyRecentPayload } from './disaster-recovery.jobs';
import { StorageVerificationService } from './storage-verification.service';

/** The weekly verification of all recent backups, off the scheduler's process. */
@Processor(DisasterQueue.VERIFICATION)
export class VerificationProcessor extends WorkerHost {
  constructor(private readonly verification: StorageVerificationService) {
    super();
  }

  async process(job: Job<VerifyRecentPayload>): Promise<{ total: number; failed: number }> {
    const { total, failed } = await this.verification.verifyRecent(job.data.days);
    return { total, failed };
  }
}
