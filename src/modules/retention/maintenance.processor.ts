import { Processor } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { QueueWorker } from '../../common/queue-worker';
import { RetentionJob, RetentionQueue, RunPayload } from './retention.jobs';
import { RetentionRunner } from './retention-runner.service';
import { StorageScans } from './storage-scans.service';
import { TestRestores } from './test-restores.service';

/** Retention runs, storage scans and the daily choice of test restores, one job at a time per worker. */
@Processor(RetentionQueue.MAINTENANCE)
export class MaintenanceProcessor extends QueueWorker {
  constructor(
    private readonly retention: RetentionRunner,
    private readonly scans: StorageScans,
    private readonly testRestores: TestRestores,
  ) {
    super();
  }

  async process(job: Job<RunPayload>): Promise<void> {
    switch (job.name as RetentionJob) {
      case RetentionJob.RETENTION_RUN:
        await this.retention.execute(job.data.runId);
        return;
      case RetentionJob.STORAGE_SCAN:
        await this.scans.execute(job.data.runId);
        return;
      case RetentionJob.SCHEDULE_TEST_RESTORES:
        await this.testRestores.scheduleSample();
        return;
      default:
        throw new Error(`unknown job ${job.name}`);
    }
  }
}
