import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { ProviderName } from '../../../libs/storage/storage.port';
import { addJob } from '../../common/queueing';
import { APP_CONFIG, AppConfig } from '../../config';
import { DomainEvents } from '../../common/domain-events';
import { BackupNotCompletedError, BackupNotFoundError, BackupRecord, BackupStatus, BackupType, VerificationStatus } from '../backups';
import { PointInTimeService, WalChainReport } from '../point-in-time';
import { StorageService } from '../storage';
import { BackupVerifier } from './backup-verifier.service';
import { RunStatus } from './background-run';
import { CopyCheck } from './copy-check.entity';
import { RetentionJob, RetentionQueue, RunPayload, dailyJobId } from './retention.jobs';
import { RunNotFoundError } from './retention.errors';
import { enqueueRun, inParallel, keepRunAlive } from './run-lifecycle';
import { VerificationRun, VerificationScope } from './verification-run.entity';

/** Backups with copies in buckets: customer exports are local-only downloads, not verified here. */
const VERIFIED_TYPES = [BackupType.TENANT, BackupType.PRE_RESTORE, BackupType.DISASTER, BackupType.BASE];
/** Records read from the catalog at a time: a run over months of backups never holds them all. */
const PAGE = 100;
const ACTIVE = [RunStatus.PENDING, RunStatus.RUNNING];

/**
 * Verification as background runs: one backup on request, every backup of the last VERIFICATION_DAYS days on request
 * and weekly (VERIFICATION_CRON). A request answers with the run at once (202); a worker does the work, at most
 * VERIFICATION_CONCURRENCY backups at a time, paging through the catalog. A second request for the same work while
 * one is queued or running gets that run back instead of a duplicate.
 */
@Injectable()
export class VerificationService {
  private readonly logger = new Logger(VerificationService.name);

  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly storage: StorageService,
    private readonly verifier: BackupVerifier,
    private readonly pointInTime: PointInTimeService,
    private readonly events: DomainEvents,
    @InjectQueue(RetentionQueue.VERIFICATION) private readonly queue: Queue<RunPayload>,
  ) {}

  async requestBackup(backupId: string, provider: ProviderName | undefined, types: BackupType[], initiatedBy: string): Promise<VerificationRun> {
    this.storage.assertConfigured(provider);
    const em = this.em.fork();
    const record = await em.findOne(BackupRecord, { id: backupId });
    if (!record || !types.includes(record.type)) throw new BackupNotFoundError(backupId);
    if (record.status !== BackupStatus.COMPLETED) throw new BackupNotCompletedError(record.id, record.status);
    const active = await em.findOne(VerificationRun, { scope: VerificationScope.BACKUP, backupId: record.id, provider: provider ?? null, status: { $in: ACTIVE } });
    return active ?? enqueueRun(this.em, VerificationRun.ofBackup(record.id, provider, initiatedBy), this.queue, RetentionJob.VERIFY);
  }

  async requestRecent(initiatedBy: string): Promise<VerificationRun> {
    const active = await this.em.fork().findOne(VerificationRun, { scope: VerificationScope.RECENT, status: { $in: ACTIVE } });
    return active ?? enqueueRun(this.em, VerificationRun.ofRecent(this.config.maintenance.verificationDays, initiatedBy), this.queue, RetentionJob.VERIFY);
  }

  /** The weekly cron: one run per day whatever the number of replicas; the job creates its run. */
  enqueueScheduled(day: Date): Promise<void> {
    return addJob(this.queue, RetentionJob.VERIFY, {}, { jobId: dailyJobId(RetentionJob.VERIFY, day) });
  }

  /** The worker's side. A run swept meanwhile (or finished by an earlier attempt) is left alone. */
  async run(runId: string | undefined): Promise<VerificationRun | undefined> {
    const em = this.em.fork();
    const run = runId ? await em.findOne(VerificationRun, { id: runId }) : VerificationRun.ofRecent(this.config.maintenance.verificationDays, 'scheduler');
    if (!run || run.isFinished) return run ?? undefined;
    run.start();
    await em.persistAndFlush(run);
    const stopHeartbeat = keepRunAlive(this.em, this.config, VerificationRun, run.id);
    try {
      if (run.scope === VerificationScope.BACKUP) {
        run.total = 1;
        await this.verifyOne(run, run.backupId!, run.provider);
      } else {
        await this.verifyRecent(run);
        run.walChain = await this.verifyWalChain();
      }
      run.complete();
      this.logger.log(`verification run ${run.id}: ${run.checked} backups checked, ${run.verified} verified, ${run.failed} failed, ${run.repaired} copies repaired`);
    } catch (error) {
      run.fail((error as Error).message);
    } finally {
      stopHeartbeat();
      await em.flush();
    }
    return run;
  }

  async get(runId: string, limit: number, offset: number): Promise<{ run: VerificationRun; checks: [CopyCheck[], number] }> {
    const em = this.em.fork();
    const run = await em.findOne(VerificationRun, { id: runId });
    if (!run) throw new RunNotFoundError('Verification run', runId);
    const checks = await em.findAndCount(CopyCheck, { runId }, { orderBy: { checkedAt: 'asc', id: 'asc' }, limit, offset });
    return { run, checks };
  }

  /** Completed backups of the last `days` days with their copies' verification state, newest first. */
  async state(days: number, limit: number, offset: number): Promise<{ since: Date; counts: Record<VerificationStatus, number>; page: [BackupRecord[], number] }> {
    const since = new Date(Date.now() - days * 86_400_000);
    const where = { type: { $in: VERIFIED_TYPES }, status: BackupStatus.COMPLETED, completedAt: { $gte: since } };
    const em = this.em.fork();
    const page = await em.findAndCount(BackupRecord, where, { populate: ['locations'], orderBy: { completedAt: 'desc', id: 'desc' }, limit, offset });
    const statuses = Object.values(VerificationStatus);
    const counted = await Promise.all(statuses.map((verificationStatus) => em.fork().count(BackupRecord, { ...where, verificationStatus })));
    const counts = Object.fromEntries(statuses.map((s, i) => [s, counted[i]])) as Record<VerificationStatus, number>;
    return { since, counts, page };
  }

  /** Every backup completed since the run's window opened, a page at a time, a few at once. */
  private async verifyRecent(run: VerificationRun): Promise<void> {
    const since = new Date(run.startedAt!.getTime() - run.days! * 86_400_000);
    const where = { type: { $in: VERIFIED_TYPES }, status: BackupStatus.COMPLETED, completedAt: { $gte: since } };
    run.total = await this.em.fork().count(BackupRecord, where);
    let after: { completedAt: Date; id: string } | undefined;
    for (;;) {
      const page = await this.em.fork().find(BackupRecord, after ? { ...where, $or: [{ completedAt: { $lt: after.completedAt } }, { completedAt: after.completedAt, id: { $lt: after.id } }] } : where, {
        fields: ['id', 'completedAt'],
        orderBy: { completedAt: 'desc', id: 'desc' },
        limit: PAGE,
      });
      if (page.length === 0) return;
      await inParallel(page, this.config.maintenance.verificationConcurrency, (record) => this.verifyOne(run, record.id));
      const last = page[page.length - 1];
      after = { completedAt: last.completedAt!, id: last.id };
    }
  }

  /**
   * The WAL chain of every kept base backup, walked in the buckets to the newest segment: a run of segments missing at
   * every provider is a gap (recovery past it is impossible), announced as `integrity.failure` of each base backup it
   * cuts short; files some provider lacks are `backup.redundancy-degraded` (the WAL sweep copies them). Null when there
   * is no WAL archive at all (point-in-time recovery not set up).
   */
  private async verifyWalChain(): Promise<WalChainReport | undefined> {
    let report: WalChainReport;
    try {
      report = await this.pointInTime.chainReport();
    } catch (error) {
      this.logger.warn(`the WAL chain could not be verified: ${(error as Error).message}`);
      return undefined;
    }
    if (report.bases.length === 0 && report.incompleteCount === 0) return report;
    for (const base of report.bases) {
      for (const gap of base.gaps) {
        this.events.emit({
          type: 'integrity.failure',
          backupId: base.baseBackupId,
          backupType: 'BASE',
          provider: 'every provider',
          reason: `WAL gap: ${gap.first}${gap.count > 1 ? ` to ${gap.last} (${gap.count} segments)` : ''} missing at every provider; recovery from this base backup cannot go past ${base.lastContiguous ?? 'its start'}${base.coveredUntil ? ` (${base.coveredUntil})` : ''}`,
        });
      }
    }
    const newest = report.bases[0];
    if (newest && report.incompleteCount > 0) {
      const byProvider = new Map<string, string[]>();
      for (const file of report.incomplete) for (const provider of file.missingAt) byProvider.set(provider, [...(byProvider.get(provider) ?? []), file.file]);
      this.events.emit({
        type: 'backup.redundancy-degraded',
        backupId: newest.baseBackupId,
        backupType: 'BASE',
        initiatedBy: 'verification',
        missing: [...byProvider].map(([provider, files]) => ({ provider, reason: `${report.incompleteCount} archived WAL files are missing here (e.g. ${files.slice(0, 3).join(', ')}); the WAL sweep copies them` })),
      });
    }
    for (const unreachable of report.unreachable) this.events.emit({ type: 'provider.unreachable', provider: unreachable.provider, operation: 'list WAL', reason: unreachable.reason });
    return report;
  }

  /** One backup's failure to be read at all (deleted meanwhile by retention) is counted, not fatal to the run. */
  private async verifyOne(run: VerificationRun, backupId: string, provider?: ProviderName): Promise<void> {
    try {
      const { record, checks } = await this.verifier.verify(backupId, run.id, provider);
      run.repaired += checks.filter((c) => c.repair !== undefined && c.isGood).length;
      if (record.verificationStatus === VerificationStatus.VERIFIED) run.verified += 1;
      else run.failed += 1;
    } catch (error) {
      if (run.scope === VerificationScope.BACKUP) throw error;
      this.logger.warn(`verification run ${run.id}: backup ${backupId} could not be verified: ${(error as Error).message}`);
      run.failed += 1;
    }
    run.checked += 1;
    run.advance(run.checked, run.total);
    await this.em.fork().nativeUpdate(VerificationRun, { id: run.id }, { checked: run.checked, verified: run.verified, failed: run.failed, repaired: run.repaired, total: run.total, progress: run.progress, heartbeatAt: run.heartbeatAt });
  }
}
