import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { AuditOutcome } from '../audit/audit-record.entity';
import { AuditService } from '../audit/audit.service';
import { BackupRunner, ProgressReporter } from './backup-runner.service';
import { BackupRecord } from './backup.entity';
import { BackupStatus } from './backup.types';

export interface BackupAttempt {
  job: Job;
  em: EntityManager;
  record: BackupRecord;
  /** Audit action of the outcome, e.g. `backup.complete`. */
  action: string;
  /** How logs name it, e.g. `backup <id> of tenant <t>`. */
  label: string;
  execute(onProgress: ProgressReporter): Promise<void>;
  /** Runs once the record is settled for good: completed, or failed on the last attempt (e.g. to free a lock). */
  settled?(): Promise<void>;
}

/**
 * One attempt of a backup job, for every kind of backup: progress into the job and the record; on failure, either
 * back to PENDING for BullMQ's retry or, on the final attempt, FAILED with its objects removed. No record stays
 * IN_PROGRESS after the job's last attempt.
 */
@Injectable()
export class BackupAttempts {
  private readonly logger = new Logger(BackupAttempts.name);

  constructor(
    private readonly runner: BackupRunner,
    private readonly audit: AuditService,
  ) {}

  async run(attempt: BackupAttempt): Promise<void> {
    const { job, em, record } = attempt;
    const entry = { actor: record.initiatedBy, actorRole: 'system', action: attempt.action, targetType: 'backup', targetId: record.id, tenantId: record.tenantId };
    // A late progress report must not overwrite a finished record's 100.
    const onProgress: ProgressReporter = (p) =>
      job.updateProgress(p).then(() => em.nativeUpdate(BackupRecord, { id: record.id, status: BackupStatus.IN_PROGRESS }, { progress: p })).then(() => undefined);
    try {
      await attempt.execute(onProgress);
      await attempt.settled?.();
      await this.audit.record({ ...entry, outcome: AuditOutcome.SUCCESS, detail: { storedBytes: record.storedBytes } });
    } catch (error) {
      const reason = (error as Error).message;
      const final = error instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      this.logger.error(`${attempt.label} failed (attempt ${job.attemptsMade + 1}${final ? ', final' : ''}): ${reason}`);
      const fresh = em.fork();
      const current = await fresh.findOneOrFail(BackupRecord, { id: record.id }, { populate: ['locations'] });
      if (final) {
        current.fail(reason);
        await fresh.flush();
        await this.runner.removeObjects(current);
        await attempt.settled?.();
        await this.audit.record({ ...entry, outcome: AuditOutcome.FAILURE, detail: { error: reason } });
      } else {
        current.retrying(reason);
        await fresh.flush();
      }
      throw error;
    }
  }
}
