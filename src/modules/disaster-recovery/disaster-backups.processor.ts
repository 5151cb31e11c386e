import { EntityManager } from '@mikro-orm/postgresql';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { AuditOutcome } from '../audit/audit-record.entity';
import { AuditService } from '../audit/audit.service';
import { BackupRunner } from '../backups/backup-runner.service';
import { BackupRecord } from '../backups/backup.entity';
import { BackupStatus } from '../backups/backup.types';
import { DisasterBackupRunner } from './disaster-backup-runner.service';
import { DisasterQueue, RunDisasterBackupPayload } from './disaster-recovery.jobs';

/** Thin BullMQ worker (one dump at a time): runs DisasterBackupRunner and settles the record on the final attempt. */
@Processor(DisasterQueue.BACKUPS)
export class DisasterBackupsProcessor extends WorkerHost {
  private readonly logger = new Logger(DisasterBackupsProcessor.name);

  constructor(
    private readonly em: EntityManager,
    private readonly runner: DisasterBackupRunner,
    private readonly backups: BackupRunner,
    private readonly audit: AuditService,
  ) {
    super();
  }

  async process(job: Job<RunDisasterBackupPayload>): Promise<void> {
    const em = this.em.fork();
    const record = await em.findOne(BackupRecord, { id: job.data.backupId }, { populate: ['locations'] });
    if (!record) throw new UnrecoverableError(`disaster backup ${job.data.backupId} is not in the catalog`);
    if (record.isFinished) return; // a duplicate delivery of a job that already settled
    const auditEntry = { actor: record.initiatedBy, actorRole: 'system', action: 'disaster-backup.complete', targetType: 'backup', targetId: record.id };
    try {
      // Progress reports are not awaited by the dump; a late one must not overwrite a finished record's 100.
      await this.runner.execute(em, record, (p) => job.updateProgress(p).then(() => em.nativeUpdate(BackupRecord, { id: record.id, status: BackupStatus.IN_PROGRESS }, { progress: p })).then(() => undefined));
      await this.audit.record({ ...auditEntry, outcome: AuditOutcome.SUCCESS, detail: { storedBytes: record.storedBytes } });
    } catch (error) {
      const reason = (error as Error).message;
      const final = error instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      this.logger.error(`disaster backup ${record.id} failed (attempt ${job.attemptsMade + 1}${final ? ', final' : ''}): ${reason}`);
      const fresh = em.fork();
      const current = await fresh.findOneOrFail(BackupRecord, { id: record.id }, { populate: ['locations'] });
      if (final) {
        current.fail(reason);
        await fresh.flush();
        await this.backups.removeObjects(current);
        await this.audit.record({ ...auditEntry, outcome: AuditOutcome.FAILURE, detail: { error: reason } });
      } else {
        current.retrying(reason);
        await fresh.flush();
      }
      throw error;
    }
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.error(`disaster backups worker: ${error.message}`);
  }
}
