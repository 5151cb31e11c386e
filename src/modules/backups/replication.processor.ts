import { Processor } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { QueueWorker } from '../../common/queue-worker';
import { QueueName, ReplicatePayload } from './backups.jobs';
import { ReplicationService } from './replication.service';

/** Retries with exponential backoff while the provider is down (REPLICATION_ATTEMPTS), then gives up loudly. */
@Processor(QueueName.REPLICATION)
export class ReplicationProcessor extends QueueWorker {
  constructor(private readonly replication: ReplicationService) {
    super();
  }

  protected override concurrency(): number {
    return this.config.queues.replicationConcurrency;
  }

  async process(job: Job<ReplicatePayload>): Promise<string> {
    try {
      return await this.replication.replicate(job.data.backupId, job.data.provider);
    } catch (error) {
      const final = error instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (final) await this.replication.givenUp(job.data.backupId, job.data.provider, (error as Error).message);
      throw error;
    }
  }
}
