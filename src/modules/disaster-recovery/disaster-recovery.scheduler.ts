import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Queue } from 'bullmq';
import { startCron } from '../../common/cron';
import { APP_CONFIG, AppConfig } from '../../config';
import { DisasterBackupsService } from './disaster-backups.service';
import { DisasterJob, DisasterQueue, RECENT_DAYS, VerifyRecentPayload, verifyRecentJobId } from './disaster-recovery.jobs';

/** Crons only enqueue; every replica fires them and idempotency keys / job ids make the work happen once. */
@Injectable()
export class DisasterRecoveryScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(DisasterRecoveryScheduler.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly disasterBackups: DisasterBackupsService,
    @InjectQueue(DisasterQueue.VERIFICATION) private readonly verificationQueue: Queue<VerifyRecentPayload>,
  ) {}

  onApplicationBootstrap(): void {
    startCron(this.registry, this.logger, 'disaster-backup', this.config.schedules.disasterBackup, () => this.disasterBackups.enqueueScheduled(new Date()));
    startCron(this.registry, this.logger, 'recent-backups-verification', this.config.schedules.verification, () =>
      this.verificationQueue.add(DisasterJob.VERIFY_RECENT, { days: RECENT_DAYS }, { jobId: verifyRecentJobId(new Date().toISOString().slice(0, 10)) }),
    );
  }
}
