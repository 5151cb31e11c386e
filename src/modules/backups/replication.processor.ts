import { Processor } from '@nestjs/bullmq';
import { Inject, OnModuleInit } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { QueueWorker } from '../../common/queue-worker';
import { APP_CONFIG, AppConfig } from '../../config';
import { QueueName, ReplicatePayload } from './backups.jobs';
import { ReplicationService } from './replication.service';

/** Retries with exponential backoff while the provider is down (REPLICATION_ATTEMPTS), then gives up loudly. */
@Processor(QueueName.REPLICATION)
export class ReplicationProcessor extends QueueWorker implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly replication: ReplicationService,
  ) {
    super();
  }

  onModuleInit(): void {
    this.worker.concurrency = this.config.queues.replicationConcurrency;
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
