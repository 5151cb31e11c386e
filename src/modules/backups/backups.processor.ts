import { EntityManager } from '@mikro-orm/postgresql';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnModuleInit } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../../config';
import { AuditOutcome } from '../audit/audit-record.entity';
import { AuditService } from '../audit/audit.service';
import { TenantLocksService } from '../tenant-locks/tenant-locks.service';
import { BackupRunner } from './backup-runner.service';
import { BackupRecord } from './backup.entity';
import { QueueName, RunBackupPayload } from './backups.jobs';

const HEARTBEAT_MS = 15_000;

/** Thin BullMQ worker: keeps the tenant lock alive around BackupRunner and settles the record on the final attempt. */
@Processor(QueueName.BACKUPS)
export class BackupsProcessor extends WorkerHost implements OnModuleInit {
  private readonly logger = new Logger(BackupsProcessor.name);

  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly runner: BackupRunner,
    private readonly locks: TenantLocksService,
    private readonly audit: AuditService,
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

    const heartbeat = setInterval(() => void this.locks.heartbeat(tenantId, record.id).catch(() => undefined), HEARTBEAT_MS);
    try {
      await this.runner.execute(em, record, (p) => job.updateProgress(p).then(() => em.nativeUpdate(BackupRecord, { id: record.id }, { progress: p })).then(() => undefined));
      await this.audit.record({ actor: record.initiatedBy, actorRole: 'system', action: 'backup.complete', targetType: 'backup', targetId: record.id, tenantId, outcome: AuditOutcome.SUCCESS, detail: { storedBytes: record.storedBytes } });
      await this.locks.release(tenantId, record.id);
    } catch (error) {
      const reason = (error as Error).message;
      const final = error instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      this.logger.error(`backup ${record.id} of tenant ${tenantId} failed (attempt ${job.attemptsMade + 1}${final ? ', final' : ''}): ${reason}`);
      const fresh = em.fork();
      const current = await fresh.findOneOrFail(BackupRecord, { id: record.id }, { populate: ['locations'] });
      if (final) {
        current.fail(reason);
        await fresh.flush();
        await this.runner.removeObjects(current);
        await this.locks.release(tenantId, record.id);
        await this.audit.record({ actor: record.initiatedBy, actorRole: 'system', action: 'backup.complete', targetType: 'backup', targetId: record.id, tenantId, outcome: AuditOutcome.FAILURE, detail: { error: reason } });
      } else {
        current.retrying(reason);
        await fresh.flush();
      }
      throw error;
    } finally {
      clearInterval(heartbeat);
    }
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.error(`backups worker: ${error.message}`);
  }
}
