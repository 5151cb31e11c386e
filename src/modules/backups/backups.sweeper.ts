import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { JobVerdict, judgeJob } from '../../common/job-sweep';
import { APP_CONFIG, AppConfig } from '../../config';
import { BackupJobRunner } from './backup-job-runner.service';
import { BackupProducers } from './backup-producer';
import { BackupRecord } from './backup.entity';
import { BackupStatus } from './backup.types';

/** A record younger than this may still be waiting for its job to reach Redis (enqueue timeout plus margin). */
const GRACE_MS = 60_000;
/** Records looked at per sweep: bounded work, oldest first; the next sweep takes the rest. */
const BATCH = 500;

export interface SweepReport {
  checked: number;
  ended: { id: string; reason: string }[];
}

/**
 * Nothing stays PENDING or IN_PROGRESS forever: a backup whose job is missing, failed, or stalled beyond
 * JOB_STALL_LIMIT_SECONDS (and a PRE_RESTORE snapshot whose restore stopped beating) is ended FAILED with the reason,
 * its objects removed and its lock freed, like any backup that failed for good.
 */
@Injectable()
export class BackupsSweeper {
  private readonly logger = new Logger(BackupsSweeper.name);

  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly producers: BackupProducers,
    private readonly runner: BackupJobRunner,
  ) {}

  async sweep(now: Date = new Date()): Promise<SweepReport> {
    const records = await this.em.fork().find(BackupRecord, { status: { $in: [BackupStatus.PENDING, BackupStatus.IN_PROGRESS] } }, { orderBy: { createdAt: 'asc' }, limit: BATCH });
    const report: SweepReport = { checked: records.length, ended: [] };
    for (const record of records) {
      const verdict = await this.judge(record, now);
      if (verdict.alive) continue;
      if (await this.runner.failForGood(record.id, `swept: ${verdict.reason}`)) {
        this.logger.warn(`${record.type} backup ${record.id} ended FAILED by the sweep: ${verdict.reason}`);
        report.ended.push({ id: record.id, reason: verdict.reason });
      }
    }
    return report;
  }

  private async judge(record: BackupRecord, now: Date): Promise<JobVerdict> {
    const options = { createdAt: record.createdAt, now, stallLimitMs: this.config.queues.stallLimitMs, graceMs: GRACE_MS };
    const job = this.producers.jobOf(record.type, record.id);
    if (job) return judgeJob(job.queue, job.jobId, options);
    // Inline work (a PRE_RESTORE snapshot inside a restore) has no job of its own: its heartbeat tells.
    const lastSign = (record.heartbeatAt ?? record.startedAt ?? record.createdAt).getTime();
    if (now.getTime() - lastSign > this.config.queues.stallLimitMs) return { alive: false, reason: `no sign of life for more than ${Math.round(this.config.queues.stallLimitMs / 1000)} s` };
    return { alive: true };
  }
}
