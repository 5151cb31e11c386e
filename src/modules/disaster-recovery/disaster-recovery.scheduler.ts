import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { startCron } from '../../common/cron';
import { APP_CONFIG, AppConfig } from '../../config';
import { DisasterBackupsService } from './disaster-backups.service';

/** Crons only enqueue; every replica fires them and idempotency keys make the work happen once. */
@Injectable()
export class DisasterRecoveryScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(DisasterRecoveryScheduler.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly disasterBackups: DisasterBackupsService,
  ) {}

  onApplicationBootstrap(): void {
    startCron(this.registry, this.logger, 'disaster-backup', this.config.schedules.disasterBackup, () => this.disasterBackups.enqueueScheduled(new Date()));
  }
}
