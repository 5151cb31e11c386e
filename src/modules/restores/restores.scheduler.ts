import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { runExclusively, startCron } from '../../common/cron';
import { APP_CONFIG, AppConfig } from '../../config';
import { RestoresSweeper } from './restores.sweeper';

/** The sweep of restores nobody will finish, on one scheduler replica at a time. */
@Injectable()
export class RestoresScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(RestoresScheduler.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly sweeper: RestoresSweeper,
    private readonly em: EntityManager,
  ) {}

  onApplicationBootstrap(): void {
    startCron(this.registry, this.logger, 'restores-sweep', this.config.schedules.sweep, () => runExclusively(this.em, 'sweep:restores', () => this.sweeper.sweep()));
  }
}
