import { Processor } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { QueueWorker } from '../../common/queue-worker';
import { RetentionQueue, VerifyRecentPayload } from './retention.jobs';
import { VerificationService } from './verification.service';

/** The weekly verification of all recent backups, off the scheduler's process. */
@Processor(RetentionQueue.VERIFICATION)
export class VerificationProcessor extends QueueWorker {
  constructor(private readonly verification: VerificationService) {
    super();
  }

  async process(job: Job<VerifyRecentPayload>): Promise<{ total: number; failed: number }> {
    const { total, failed } = await this.verification.verifyRecent(job.data.days);
    return { total, failed };
  }
}
