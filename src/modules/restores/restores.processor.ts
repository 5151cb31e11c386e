import { Processor } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { QueueWorker } from '../../common/queue-worker';
import { RestoreRunner } from './restore-runner.service';
import { RestoreStatus } from './restore.types';
import { RestoreQueueName, RunRestorePayload } from './restores.jobs';

/**
 * Thin BullMQ worker around RestoreRunner. Jobs run once (attempts 1): a restore is not retried blindly after it
 * may have changed a tenant; a job redelivered after a worker crash reports the interrupted tenant instead, and one
 * that BullMQ gives up on as stalled is settled by the sweep.
 */
@Processor(RestoreQueueName.RESTORES)
export class RestoresProcessor extends QueueWorker {
  constructor(private readonly runner: RestoreRunner) {
    super();
  }

  async process(job: Job<RunRestorePayload>): Promise<RestoreStatus> {
    const operation = await this.runner.run(job.data.restoreId, (p) => job.updateProgress(p.percent));
    return operation.status;
  }

  protected override async abandon(job: Job<RunRestorePayload>, reason: string): Promise<void> {
    await this.runner.abort(job.data.restoreId, reason);
  }
}
