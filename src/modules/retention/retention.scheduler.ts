import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Queue } from 'bullmq';
import { startCron } from '../../common/cron';
import { APP_CONFIG, AppConfig } from '../../config';
import { RECENT_DAYS, RetentionJob, RetentionQueue, VerifyRecentPayload, verifyRecentJobId } from './retention.jobs';

/** Crons only enqueue; every replica fires them and job ids make the work happen once. */
@Injectable()
export class RetentionScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(RetentionScheduler.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    @InjectQueue(RetentionQueue.VERIFICATION) private readonly verificationQueue: Queue<VerifyRecentPayload>,
  ) {}

  onApplicationBootstrap(): void {
    startCron(this.registry, this.logger, 'recent-backups-verification', this.config.schedules.verification, () =>
      this.verificationQueue.add(RetentionJob.VERIFY_RECENT, { days: RECENT_DAYS }, { jobId: verifyRecentJobId(new Date().toISOString().slice(0, 10)) }),
    );
  }
}
