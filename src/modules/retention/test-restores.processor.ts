import { Processor } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { QueueWorker } from '../../common/queue-worker';
import { RetentionQueue, RunPayload } from './retention.jobs';
import { TestRestores } from './test-restores.service';

/** One test restore at a time per worker: each builds a whole database. */
@Processor(RetentionQueue.TEST_RESTORES)
export class TestRestoresProcessor extends QueueWorker {
  constructor(private readonly testRestores: TestRestores) {
    super();
  }

  async process(job: Job<RunPayload>): Promise<void> {
    await this.testRestores.run(job.data.runId!);
  }
}
