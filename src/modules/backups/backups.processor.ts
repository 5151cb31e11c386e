import { EntityManager } from '@mikro-orm/postgresql';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnModuleInit } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../../config';
import { TenantLocksService } from '../tenant-locks/tenant-locks.service';
import { BackupAttempts } from './backup-attempts.service';
import { BackupRunner } from './backup-runner.service';
import { BackupRecord } from './backup.entity';
import { QueueName, RunBackupPayload } from './backups.jobs';

/** Thin BullMQ worker: keeps the tenant lock alive around one attempt of BackupRunner. */
@Processor(QueueName.BACKUPS)
export class BackupsProcessor extends WorkerHost implements OnModuleInit {
  private readonly logger = new Logger(BackupsProcessor.name);

  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly runner: BackupRunner,
    private readonly attempts: BackupAttempts,
    private readonly locks: TenantLocksService,
  ) {
    super();
  }

  onModuleInit(): void {
    this.worker.concurrency = this.config.queues.backupConcurrency;
  }

  async process(job: Job<RunBackupPayload>): Promise<void> {
    const em = this.em.fork();
    const record = await em.findOne(BackupRecord, { id: job.data.backupId }, { populate: ['locations'] });
    if (!record) throw new UnrecoverableError(`backup ${job.data.backupId} is not in the catalog`);
    if (record.isFinished) return; // a duplicate delivery of a job that already settled
    const tenantId = record.tenantId!;

    const stopHeartbeat = this.locks.keepAlive(tenantId, record.id);
    try {
      await this.attempts.run({
        job,
        em,
        record,
        action: 'backup.complete',
        label: `backup ${record.id} of tenant ${tenantId}`,
        execute: (onProgress) => this.runner.execute(em, record, onProgress),
        settled: () => this.locks.release(tenantId, record.id),
      });
    } finally {
      stopHeartbeat();
    }
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.error(`backups worker: ${error.message}`);
  }
}
