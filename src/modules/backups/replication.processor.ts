import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, OnModuleInit } from '@nestjs/common';
import { Job } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../../config';
import { QueueName, ReplicatePayload } from './backups.jobs';
import { ReplicationService } from './replication.service';

/** Retries with exponential backoff while the provider is down (REPLICATION_ATTEMPTS). */
@Processor(QueueName.REPLICATION)
export class ReplicationProcessor extends WorkerHost implements OnModuleInit {
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
    return this.replication.replicate(job.data.backupId, job.data.provider);
  }
}
