import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { RestoreRunner } from './restore-runner.service';
import { RestoreStatus } from './restore.types';
import { RestoreQueueName, RunRestorePayload } from './restores.jobs';

/**
 * Thin BullMQ worker around RestoreRunner. Jobs run once (attempts 1): a restore is not retried blindly after it
 * may have changed a tenant; a job redelivered after a worker crash reports the interrupted tenant instead.
 */
@Processor(RestoreQueueName.RESTORES)
export class RestoresProcessor extends WorkerHost {
  private readonly logger = new Logger(RestoresProcessor.name);

  constructor(private readonly runner: RestoreRunner) {
    super();
  }

  async process(job: Job<RunRestorePayload>): Promise<RestoreStatus> {
    const operation = await this.runner.run(job.data.restoreId, (p) => job.updateProgress(p.percent));
    return operation.status;
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.error(`restores worker: ${error.message}`);
  }
}
