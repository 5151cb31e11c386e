import { Processor } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { QueueWorker } from '../../common/queue-worker';
import { DisasterQueue, RestoreDisasterPayload } from './disaster-recovery.jobs';
import { DisasterRestoreRunner } from './disaster-restore-runner.service';

/** Thin BullMQ worker: one restore at a time, never retried; the record carries the outcome. */
@Processor(DisasterQueue.RESTORES)
export class DisasterRestoresProcessor extends QueueWorker {
  constructor(private readonly runner: DisasterRestoreRunner) {
    super();
  }

  protected override async abandon(job: Job<RestoreDisasterPayload>, reason: string): Promise<void> {
    await this.runner.fail(job.data.restoreId, reason);
  }

  async process(job: Job<RestoreDisasterPayload>): Promise<void> {
    try {
      await this.runner.run(job.data.restoreId, job.data.sealedTarget, (p) => job.updateProgress(p));
    } catch (error) {
      throw new UnrecoverableError((error as Error).message);
    }
  }
}
