import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { JobVerdict, judgeJob } from '../../common/job-sweep';
import { APP_CONFIG, AppConfig } from '../../config';
import { RestoreOperation } from './restore-operation.entity';
import { RestoreRunner } from './restore-runner.service';
import { RestoreStatus } from './restore.types';
import { restoreJobId, RestoreQueueName } from './restores.jobs';

const GRACE_MS = 60_000;
const BATCH = 500;

/**
 * Nothing stays PENDING or IN_PROGRESS forever: a restore whose job is missing, failed (e.g. BullMQ's stall recovery
 * gave up on it) or abandoned, or that ran without a job (CLI) and stopped beating, is settled: tenants not yet
 * restored fail with the reason, their locks are freed. Their data is as before: each import is one transaction.
 */
@Injectable()
export class RestoresSweeper {
  private readonly logger = new Logger(RestoresSweeper.name);

  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly runner: RestoreRunner,
    @InjectQueue(RestoreQueueName.RESTORES) private readonly queue: Queue,
  ) {}

  async sweep(now: Date = new Date()): Promise<{ checked: number; ended: { id: string; reason: string }[] }> {
    const operations = await this.em.fork().find(RestoreOperation, { status: { $in: [RestoreStatus.PENDING, RestoreStatus.IN_PROGRESS] } }, { orderBy: { createdAt: 'asc' }, limit: BATCH });
    const ended: { id: string; reason: string }[] = [];
    for (const operation of operations) {
      const verdict = await this.judge(operation, now);
      if (verdict.alive) continue;
      await this.runner.abort(operation.id, `swept: ${verdict.reason}`);
      this.logger.warn(`restore ${operation.id} settled by the sweep: ${verdict.reason}`);
      ended.push({ id: operation.id, reason: verdict.reason });
    }
    return { checked: operations.length, ended };
  }

  private async judge(operation: RestoreOperation, now: Date): Promise<JobVerdict> {
    const stallLimitMs = this.config.queues.stallLimitMs;
    if (await this.queue.getJob(restoreJobId(operation.id))) return judgeJob(this.queue, restoreJobId(operation.id), { createdAt: operation.createdAt, now, stallLimitMs, graceMs: GRACE_MS });
    // A restore run by the CLI has no job: its heartbeat tells whether its process is still there.
    const lastSign = (operation.heartbeatAt ?? operation.createdAt).getTime();
    return now.getTime() - lastSign > Math.max(stallLimitMs, GRACE_MS) ? { alive: false, reason: `no job and no sign of life for more than ${Math.round(Math.max(stallLimitMs, GRACE_MS) / 1000)} s` } : { alive: true };
  }
}
