import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { judgeJob } from '../../common/job-sweep';
import { APP_CONFIG, AppConfig } from '../../config';
import { DisasterQueue, disasterRestoreJobId } from './disaster-recovery.jobs';
import { DisasterRestore, DisasterRestoreStatus } from './disaster-restore.entity';
import { DisasterRestoreRunner } from './disaster-restore-runner.service';

const GRACE_MS = 60_000;

/**
 * Nothing stays PENDING or IN_PROGRESS forever: a disaster restore whose job is missing, failed or abandoned ends
 * FAILED with the reason and its target's lock freed. (Its job is deleted when it ends, so a settled restore has none.)
 */
@Injectable()
export class DisasterRestoresSweeper {
  private readonly logger = new Logger(DisasterRestoresSweeper.name);

  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly runner: DisasterRestoreRunner,
    @InjectQueue(DisasterQueue.RESTORES) private readonly queue: Queue,
  ) {}

  async sweep(now: Date = new Date()): Promise<{ checked: number; ended: { id: string; reason: string }[] }> {
    const restores = await this.em.fork().find(DisasterRestore, { status: { $in: [DisasterRestoreStatus.PENDING, DisasterRestoreStatus.IN_PROGRESS] } }, { orderBy: { createdAt: 'asc' } });
    const ended: { id: string; reason: string }[] = [];
    for (const restore of restores) {
      const verdict = await judgeJob(this.queue, disasterRestoreJobId(restore.id), { createdAt: restore.createdAt, now, stallLimitMs: this.config.queues.stallLimitMs, graceMs: GRACE_MS });
      if (verdict.alive) continue;
      if (await this.runner.fail(restore.id, `swept: ${verdict.reason}; the target may be partly restored, restore again with cleanTarget`)) {
        this.logger.warn(`disaster restore ${restore.id} ended FAILED by the sweep: ${verdict.reason}`);
        ended.push({ id: restore.id, reason: verdict.reason });
      }
    }
    return { checked: restores.length, ended };
  }
}
