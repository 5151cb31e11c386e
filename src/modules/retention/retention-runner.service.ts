import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { selectForRetention } from '../../../libs/retention';
import { baseBackupRangeKeyFor, sidecarKeyFor } from '../../../libs/storage';
import { runExclusively } from '../../common/cron';
import { addJob } from '../../common/queueing';
import { APP_CONFIG, AppConfig } from '../../config';
import { BackupRecord, BackupStatus, BackupType } from '../backups';
import { PointInTimeService } from '../point-in-time';
import { StorageService } from '../storage';
import { BackupDeletion } from './backup-deletion.entity';
import { RETAINED_TYPES } from './retention-policy.entity';
import { RetentionPolicies } from './retention-policy.service';
import { RetentionProtections } from './retention-protections.service';
import { RetentionDecisions, RetentionRun } from './retention-run.entity';
import { RetentionJob, RetentionQueue, RunPayload, dailyJobId } from './retention.jobs';
import { RunNotFoundError } from './retention.errors';
import { enqueueRun, inParallel, keepRunAlive } from './run-lifecycle';

/** Candidates deleted between two checks of holds and restores in progress, and how many of them at once. */
const BATCH = 100;
const CONCURRENCY = 16;

/** Another run holds the lock: the job fails this attempt and BullMQ retries it later. */
class RetentionBusyError extends Error {}

/**
 * Retention runs: every completed TENANT, PRE_RESTORE and DISASTER backup judged by its type's policy (selectForRetention,
 * per tenant and for the platform) with the protections as `protectedBy`. A dry run only records the decisions; a real
 * run then deletes each candidate's objects at every provider and marks its record DELETED, with who, when and why.
 * Runs never overlap (one advisory lock across replicas), and protections are checked again right before each batch.
 */
@Injectable()
export class RetentionRunner {
  private readonly logger = new Logger(RetentionRunner.name);

  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly policies: RetentionPolicies,
    private readonly protections: RetentionProtections,
    private readonly storage: StorageService,
    private readonly pointInTime: PointInTimeService,
    @InjectQueue(RetentionQueue.MAINTENANCE) private readonly queue: Queue<RunPayload>,
  ) {}

  /** What a run at `now` would delete and keep; recorded as a completed dry run. Nothing is deleted. */
  async dryRun(initiatedBy: string, now: Date = new Date()): Promise<RetentionRun> {
    const run = RetentionRun.request(true, initiatedBy);
    run.start();
    const decisions = await this.evaluate(now);
    run.decisions = { ...decisions, wal: await this.pruneWal(decisions, true) };
    run.evaluatedAt = now;
    run.complete();
    await this.em.fork().persistAndFlush(run);
    return run;
  }

  request(initiatedBy: string): Promise<RetentionRun> {
    return enqueueRun(this.em, RetentionRun.request(false, initiatedBy), this.queue, RetentionJob.RETENTION_RUN);
  }

  /** The daily cron (RETENTION_CRON): one run per day whatever the number of replicas; the job creates its run. */
  enqueueScheduled(day: Date): Promise<void> {
    return addJob(this.queue, RetentionJob.RETENTION_RUN, {}, { jobId: dailyJobId(RetentionJob.RETENTION_RUN, day) });
  }

  /** The worker's side of a real run; `now` is when policies are applied (tests move it). */
  async execute(runId: string | undefined, now: Date = new Date()): Promise<RetentionRun | undefined> {
    const done = await runExclusively(this.em, 'retention', async () => (await this.executeAlone(runId, now)) ?? null);
    if (done === undefined) throw new RetentionBusyError('another retention run is in progress; this one is retried later');
    return done ?? undefined;
  }

  async get(runId: string): Promise<RetentionRun> {
    const run = await this.em.fork().findOne(RetentionRun, { id: runId });
    if (!run) throw new RunNotFoundError('Retention run', runId);
    return run;
  }

  /** Every retained type judged by its policy at `now`; kept backups carry every protection and rule that keeps them. */
  async evaluate(now: Date): Promise<RetentionDecisions> {
    const decisions: RetentionDecisions = { candidates: [], kept: [] };
    for (const type of RETAINED_TYPES) {
      const policy = await this.policies.policyOf(type);
      const records = await this.em.fork().find(BackupRecord, { type, status: BackupStatus.COMPLETED }, { fields: ['id', 'type', 'tenantId', 'createdAt', 'verificationStatus'] });
      const protectedBy = await this.protections.of(records);
      const judged = selectForRetention(
        records.map((r) => ({ id: r.id, group: r.tenantId ?? 'platform', createdAt: r.createdAt, protectedBy: protectedBy.get(r.id) })),
        policy,
        now,
      );
      for (const d of judged) {
        const base = { backupId: d.id, type, group: d.group, createdAt: d.createdAt.toISOString() };
        if (d.verdict === 'expire') decisions.candidates.push({ ...base, reason: d.reason });
        else decisions.kept.push({ ...base, reasons: d.reasons });
      }
    }
    await this.evaluateBaseBackups(now, decisions);
    return decisions;
  }

  /**
   * BASE backups are kept while a kept point in time needs them: every one that completed within the point-in-time
   * window (PITR_RETENTION_DAYS), the newest that completed before it (recovering to the window's first second starts
   * there), and any a protection keeps (hold, restore in progress). The rest go, and with them the WAL before the
   * oldest one kept (pruneWal).
   */
  private async evaluateBaseBackups(now: Date, decisions: RetentionDecisions): Promise<void> {
    const days = this.config.pointInTime.retentionDays;
    const windowStart = new Date(now.getTime() - days * 86_400_000);
    const records = await this.em.fork().find(BackupRecord, { type: BackupType.BASE, status: BackupStatus.COMPLETED }, { fields: ['id', 'type', 'tenantId', 'createdAt', 'completedAt', 'verificationStatus'], orderBy: { completedAt: 'desc', id: 'desc' } });
    const protectedBy = await this.protections.of(records);
    let windowStartKept = false;
    for (const record of records) {
      const reasons = [...(protectedBy.get(record.id) ?? [])];
      const completedAt = record.completedAt ?? record.createdAt;
      if (completedAt >= windowStart) reasons.push(`within the point-in-time window (${days} days)`);
      else if (!windowStartKept) {
        windowStartKept = true;
        reasons.push(`start of the point-in-time window: recovering to ${windowStart.toISOString()} begins from it`);
      }
      const base = { backupId: record.id, type: BackupType.BASE, group: 'platform', createdAt: record.createdAt.toISOString() };
      if (reasons.length > 0) decisions.kept.push({ ...base, reasons });
      else decisions.candidates.push({ ...base, reason: `older than the point-in-time window (${days} days) and not needed to recover any second of it` });
    }
  }

  /** The WAL no base backup still completed after the deletions (or, dry, not a candidate) needs. */
  private async pruneWal(decisions: RetentionDecisions, dryRun: boolean): Promise<RetentionDecisions['wal']> {
    const candidates = new Set(decisions.candidates.map((c) => c.backupId));
    const bases = await this.em.fork().find(BackupRecord, { type: BackupType.BASE, status: BackupStatus.COMPLETED }, { fields: ['id'] });
    const kept = bases.map((b) => b.id).filter((id) => !dryRun || !candidates.has(id));
    try {
      return await this.pointInTime.pruneWal(kept, dryRun);
    } catch (error) {
      return { keepFrom: null, reason: `WAL not pruned: ${(error as Error).message}`, deleted: 0, failed: [] };
    }
  }

  private async executeAlone(runId: string | undefined, now: Date): Promise<RetentionRun | undefined> {
    const em = this.em.fork();
    const run = runId ? await em.findOne(RetentionRun, { id: runId }) : RetentionRun.request(false, 'scheduler');
    if (!run || run.isFinished) return run ?? undefined;
    run.start();
    await em.persistAndFlush(run);
    const stopHeartbeat = keepRunAlive(this.em, this.config, RetentionRun, run.id);
    try {
      run.decisions = await this.evaluate(now);
      run.evaluatedAt = now;
      await em.flush(); // the decisions can be read while the deletions run
      run.failures = await this.deleteCandidates(run);
      run.decisions = { ...run.decisions!, wal: await this.pruneWal(run.decisions!, false) };
      run.complete();
      this.logger.log(`retention run ${run.id}: ${run.deleted} backups deleted, ${run.failed} not deleted, ${run.decisions.kept.length} kept`);
    } catch (error) {
      run.fail((error as Error).message);
    } finally {
      stopHeartbeat();
      await em.flush();
    }
    return run;
  }

  private async deleteCandidates(run: RetentionRun): Promise<{ backupId: string; reason: string }[]> {
    const candidates = run.decisions!.candidates;
    const failures: { backupId: string; reason: string }[] = [];
    for (let start = 0; start < candidates.length; start += BATCH) {
      const batch = candidates.slice(start, start + BATCH);
      const ids = batch.map((c) => c.backupId);
      const protectedNow = await this.protections.current(new Set(ids));
      const records = new Map((await this.em.fork().find(BackupRecord, { id: { $in: ids } }, { populate: ['locations'] })).map((r) => [r.id, r]));
      const removed: { backupId: string; reason: string }[] = [];
      await inParallel(batch, CONCURRENCY, async (candidate) => {
        try {
          const kept = protectedNow.get(candidate.backupId);
          if (kept) throw new Error(`protected since the selection: ${kept.join('; ')}`);
          await this.deleteObjects(records.get(candidate.backupId));
          removed.push(candidate);
        } catch (error) {
          failures.push({ backupId: candidate.backupId, reason: (error as Error).message });
        }
      });
      await this.markDeleted(removed, run, failures);
      run.failed = failures.length;
      run.advance(start + batch.length, candidates.length);
      await this.em.fork().nativeUpdate(RetentionRun, { id: run.id }, { deleted: run.deleted, failed: run.failed, progress: run.progress, heartbeatAt: run.heartbeatAt });
    }
    return failures;
  }

  /** Objects and sidecars at every configured provider; the record is marked DELETED only once none is left. */
  private async deleteObjects(record: BackupRecord | undefined): Promise<void> {
    if (record?.status !== BackupStatus.COMPLETED) throw new Error(`it is ${record?.status ?? 'gone'} now`);
    const unreachable = record.locations.getItems().filter((l) => !this.storage.names.includes(l.provider));
    if (unreachable.length > 0) throw new Error(`its copy at ${unreachable.map((l) => l.provider).join(', ')} cannot be deleted: provider not configured`);
    const key = record.objectKey;
    // A base backup also has its WAL range sidecar beside it.
    const extra = record.type === BackupType.BASE ? [baseBackupRangeKeyFor(key)] : [];
    await Promise.all(this.storage.providers.flatMap((adapter) => [adapter.delete(key), adapter.delete(sidecarKeyFor(key)), ...extra.map((k) => adapter.delete(k))]));
  }

  /** One transaction per batch: each record still COMPLETED becomes DELETED, with who deleted it, when and why. */
  private async markDeleted(removed: { backupId: string; reason: string }[], run: RetentionRun, failures: { backupId: string; reason: string }[]): Promise<void> {
    if (removed.length === 0) return;
    await this.em.fork().transactional(async (tx) => {
      const ids = removed.map((r) => r.backupId);
      const still = new Set((await tx.find(BackupRecord, { id: { $in: ids }, status: BackupStatus.COMPLETED }, { fields: ['id'], lockMode: LockMode.PESSIMISTIC_WRITE })).map((r) => r.id));
      await tx.nativeUpdate(BackupRecord, { id: { $in: [...still] } }, { status: BackupStatus.DELETED });
      for (const { backupId, reason } of removed) {
        if (still.has(backupId)) tx.persist(Object.assign(new BackupDeletion(), { backupId, retentionRunId: run.id, deletedBy: run.initiatedBy, reason }));
        else failures.push({ backupId, reason: 'its record changed while its objects were deleted' });
      }
      run.deleted += still.size;
    });
  }
}
