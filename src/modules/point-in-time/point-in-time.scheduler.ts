import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Queue } from 'bullmq';
import { runExclusively, startCron } from '../../common/cron';
import { addJob } from '../../common/queueing';
import { APP_CONFIG, AppConfig } from '../../config';
import { BaseBackupsService } from './base-backups.service';
import { PlatformRecoveriesService } from './platform-recoveries.service';
import { PointInTimeJob, PointInTimeQueue, walSweepJobId } from './point-in-time.jobs';

/** Crons only enqueue; every replica fires them and deterministic ids make the work happen once. */
@Injectable()
export class PointInTimeScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(PointInTimeScheduler.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly em: EntityManager,
    private readonly baseBackups: BaseBackupsService,
    private readonly recoveries: PlatformRecoveriesService,
    @InjectQueue(PointInTimeQueue.WAL_ARCHIVE) private readonly walQueue: Queue,
  ) {}

  onApplicationBootstrap(): void {
    startCron(this.registry, this.logger, 'base-backup', this.config.pointInTime.baseBackupCron, () => this.baseBackups.enqueueScheduled(new Date()));
    // The WAL sweep follows the backups' replication: a provider that missed a segment gets it at the same pace.
    startCron(this.registry, this.logger, 'wal-sweep', this.config.schedules.replication, () =>
      addJob(this.walQueue, PointInTimeJob.SWEEP_WAL, {}, { jobId: walSweepJobId(new Date()), attempts: 1, removeOnComplete: true, removeOnFail: { age: 86_400 } }),
    );
    startCron(this.registry, this.logger, 'platform-recoveries-sweep', this.config.schedules.sweep, () => runExclusively(this.em, 'sweep:platform-recoveries', () => this.recoveries.sweep()));
  }
}
