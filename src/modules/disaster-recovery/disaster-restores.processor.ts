import { EntityManager } from '@mikro-orm/postgresql';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { AuditOutcome } from '../audit/audit-record.entity';
import { AuditService } from '../audit/audit.service';
import { DisasterQueue, RestoreDisasterPayload } from './disaster-recovery.jobs';
import { DisasterRestore, DisasterRestoreStatus } from './disaster-restore.entity';
import { DisasterRestoresService } from './disaster-restores.service';

/** Thin BullMQ worker: one restore at a time, never retried; the record carries the outcome. */
@Processor(DisasterQueue.RESTORES)
export class DisasterRestoresProcessor extends WorkerHost {
  private readonly logger = new Logger(DisasterRestoresProcessor.name);

  constructor(
    private readonly em: EntityManager,
    private readonly restores: DisasterRestoresService,
    private readonly audit: AuditService,
  ) {
    super();
  }

  async process(job: Job<RestoreDisasterPayload>): Promise<void> {
    const em = this.em.fork();
    const restore = await em.findOne(DisasterRestore, { id: job.data.restoreId });
    if (!restore) throw new UnrecoverableError(`disaster restore ${job.data.restoreId} is not in the catalog`);
    if (restore.isFinished) return;
    if (restore.status === DisasterRestoreStatus.IN_PROGRESS) {
      // Redelivered after a worker died mid-restore: running pg_restore again over a half-restored target could fail
      // on what is already there, or silently mix; the operator decides (cleanTarget).
      restore.fail('interrupted: the worker stopped during the restore; the target may be partly restored, restore again with cleanTarget');
      await em.flush();
      return;
    }
    const auditEntry = { actor: restore.initiatedBy, actorRole: 'system', action: 'disaster-restore.complete', targetType: 'disaster-restore', targetId: restore.id };
    try {
      await this.restores.execute(em, restore, job.data.sealedTarget, (p) => job.updateProgress(p).then(() => em.nativeUpdate(DisasterRestore, { id: restore.id, status: DisasterRestoreStatus.IN_PROGRESS }, { progress: p })).then(() => undefined));
      await this.audit.record({ ...auditEntry, outcome: AuditOutcome.SUCCESS, detail: { backupId: restore.backupId, target: restore.target, dumpBytes: restore.dumpBytes } });
    } catch (error) {
      const reason = (error as Error).message;
      this.logger.error(`disaster restore ${restore.id} into ${restore.target} failed: ${reason}`);
      const fresh = em.fork();
      const current = await fresh.findOneOrFail(DisasterRestore, { id: restore.id });
      current.fail(reason);
      await fresh.flush();
      await this.audit.record({ ...auditEntry, outcome: AuditOutcome.FAILURE, detail: { backupId: restore.backupId, target: restore.target, error: reason } });
      throw new UnrecoverableError(reason);
    }
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.error(`disaster restores worker: ${error.message}`);
  }
}
