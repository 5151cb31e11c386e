import { EntityClass } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { judgeJob } from '../../common/job-sweep';
import { APP_CONFIG, AppConfig } from '../../config';
import { BackgroundRun, RunStatus } from './background-run';
import { RetentionRun } from './retention-run.entity';
import { RetentionJob, RetentionQueue, runJobId } from './retention.jobs';
import { ScratchDatabases } from './scratch-databases.service';
import { StorageScan } from './storage-scan.entity';
import { TestRestore } from './test-restore.entity';
import { TestRestores } from './test-restores.service';
import { VerificationRun } from './verification-run.entity';

/** A run younger than this may still be waiting for its job to reach Redis. */
const GRACE_MS = 60_000;

export interface RetentionSweepReport {
  ended: { kind: string; id: string; reason: string }[];
  /** Scratch databases of this catalog's test restores that are over, dropped. */
  droppedScratch: string[];
}

/**
 * Nothing of this context stays PENDING or RUNNING forever, and no scratch database outlives its test restore: a queued
 * run whose job is missing or failed, or a running one whose heartbeat stopped (its worker was killed), ends FAILED;
 * then every scratch database of a test restore that is over is dropped. Scratch databases no record of this catalog
 * names belong to someone else (another deployment on the same server) and are left alone.
 */
@Injectable()
export class RetentionSweeper {
  private readonly logger = new Logger(RetentionSweeper.name);

  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly scratch: ScratchDatabases,
    private readonly testRestores: TestRestores,
    @InjectQueue(RetentionQueue.VERIFICATION) private readonly verificationQueue: Queue,
    @InjectQueue(RetentionQueue.TEST_RESTORES) private readonly testRestoreQueue: Queue,
    @InjectQueue(RetentionQueue.MAINTENANCE) private readonly maintenanceQueue: Queue,
  ) {}

  async sweep(now: Date = new Date()): Promise<RetentionSweepReport> {
    const report: RetentionSweepReport = { ended: [], droppedScratch: [] };
    const kinds: [EntityClass<BackgroundRun>, Queue, RetentionJob][] = [
      [VerificationRun, this.verificationQueue, RetentionJob.VERIFY],
      [TestRestore, this.testRestoreQueue, RetentionJob.TEST_RESTORE],
      [RetentionRun, this.maintenanceQueue, RetentionJob.RETENTION_RUN],
      [StorageScan, this.maintenanceQueue, RetentionJob.STORAGE_SCAN],
    ];
    for (const [entity, queue, job] of kinds) {
      const runs = await this.em.fork().find(entity, { status: { $in: [RunStatus.PENDING, RunStatus.RUNNING] } }, { orderBy: { createdAt: 'asc' } });
      for (const run of runs) {
        const reason = await this.deadReason(run, queue, runJobId(job, run.id), now);
        if (!reason) continue;
        const ended = await this.em.fork().nativeUpdate(entity, { id: run.id, status: run.status }, { status: RunStatus.FAILED, errorMessage: `swept: ${reason}`, completedAt: now });
        if (ended !== 1) continue;
        this.logger.warn(`${job} ${run.id} ended FAILED by the sweep: ${reason}`);
        report.ended.push({ kind: job, id: run.id, reason });
        if (run instanceof TestRestore) this.testRestores.announce(Object.assign(run, { status: RunStatus.FAILED, errorMessage: `swept: ${reason}` }));
      }
    }
    report.droppedScratch = await this.dropFinishedScratch();
    return report;
  }

  private async deadReason(run: BackgroundRun, queue: Queue, jobId: string, now: Date): Promise<string | undefined> {
    if (run.status === RunStatus.RUNNING) {
      const lastSign = (run.heartbeatAt ?? run.startedAt ?? run.createdAt).getTime();
      const limit = this.config.queues.stallLimitMs;
      return now.getTime() - lastSign > limit ? `its worker stopped: no sign of life for more than ${Math.round(limit / 1000)} s` : undefined;
    }
    const verdict = await judgeJob(queue, jobId, { createdAt: run.createdAt, now, stallLimitMs: this.config.queues.stallLimitMs, graceMs: GRACE_MS });
    return verdict.alive ? undefined : verdict.reason;
  }

  private async dropFinishedScratch(): Promise<string[]> {
    const names = await this.scratch.existing();
    if (names.length === 0) return [];
    const runs = await this.em.fork().find(TestRestore, { scratchDatabase: { $in: names } });
    const dropped: string[] = [];
    for (const run of runs.filter((r) => r.isFinished)) {
      try {
        await this.scratch.drop(run.scratchDatabase);
        dropped.push(run.scratchDatabase);
      } catch (error) {
        this.logger.error(`scratch database ${run.scratchDatabase} could not be dropped: ${(error as Error).message}`);
      }
    }
    if (dropped.length > 0) this.logger.warn(`dropped scratch databases of test restores that are over: ${dropped.join(', ')}`);
    return dropped;
  }
}
