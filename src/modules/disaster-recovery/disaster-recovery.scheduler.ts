import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { runExclusively, startCron } from '../../common/cron';
import { APP_CONFIG, AppConfig } from '../../config';
import { DisasterBackupsService } from './disaster-backups.service';
import { DisasterRestoresSweeper } from './disaster-restores.sweeper';

/** Crons only enqueue; every replica fires them and idempotency keys make the work happen once. */
@Injectable()
export class DisasterRecoveryScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(DisasterRecoveryScheduler.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly disasterBackups: DisasterBackupsService,
    private readonly sweeper: DisasterRestoresSweeper,
    private readonly em: EntityManager,
  ) {}

  onApplicationBootstrap(): void {
    startCron(this.registry, this.logger, 'disaster-backup', this.config.schedules.disasterBackup, () => this.disasterBackups.enqueueScheduled(new Date()));
    startCron(this.registry, this.logger, 'disaster-restores-sweep', this.config.schedules.sweep, () => runExclusively(this.em, 'sweep:disaster-restores', () => this.sweeper.sweep()));
  }
}
