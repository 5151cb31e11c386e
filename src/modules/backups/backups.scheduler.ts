import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { APP_CONFIG, AppConfig } from '../../config';
import { BackupsService } from './backups.service';
import { ReplicationService } from './replication.service';

/** Crons only enqueue; every replica fires them and idempotency keys / job ids make the work happen once. */
@Injectable()
export class BackupsScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(BackupsScheduler.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly backups: BackupsService,
    private readonly replication: ReplicationService,
  ) {}

  onApplicationBootstrap(): void {
    this.add('tenant-backups', this.config.schedules.tenantBackups, () => this.backups.enqueueScheduled(new Date()));
    this.add('replication-sweep', this.config.schedules.replication, () => this.replication.sweep());
  }

  private add(name: string, expression: string, task: () => Promise<unknown>): void {
    const job = CronJob.from({
      cronTime: expression,
      timeZone: 'UTC',
      onTick: () => void task().catch((error: Error) => this.logger.error(`cron ${name} failed: ${error.message}`)),
    });
    this.registry.addCronJob(name, job);
    job.start();
  }
}
