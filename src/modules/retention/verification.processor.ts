import { Processor } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { QueueWorker } from '../../common/queue-worker';
import { RetentionQueue, RunPayload } from './retention.jobs';
import { VerificationService } from './verification.service';

/** Verification runs; two at once per worker, so that one backup's check is not stuck behind a weekly run. */
@Processor(RetentionQueue.VERIFICATION)
export class VerificationProcessor extends QueueWorker {
  constructor(private readonly verification: VerificationService) {
    super();
  }

  protected override concurrency(): number {
    return 2;
  }

  async process(job: Job<RunPayload>): Promise<void> {
    await this.verification.run(job.data.runId);
  }
}
