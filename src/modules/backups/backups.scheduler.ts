import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { runExclusively, startCron } from '../../common/cron';
import { APP_CONFIG, AppConfig } from '../../config';
import { BackupsService } from './backups.service';
import { BackupsSweeper } from './backups.sweeper';
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
    private readonly sweeper: BackupsSweeper,
    private readonly em: EntityManager,
  ) {}

  onApplicationBootstrap(): void {
    startCron(this.registry, this.logger, 'tenant-backups', this.config.schedules.tenantBackups, () => this.backups.enqueueScheduled(new Date()));
    startCron(this.registry, this.logger, 'replication-sweep', this.config.schedules.replication, () => this.replication.sweep());
    startCron(this.registry, this.logger, 'backups-sweep', this.config.schedules.sweep, () => runExclusively(this.em, 'sweep:backups', () => this.sweeper.sweep()));
  }
}
