import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { runExclusively, startCron } from '../../common/cron';
import { APP_CONFIG, AppConfig } from '../../config';
import { AlertsMonitor } from './alerts-monitor.service';

/** The monitoring job (MONITORING_CRON, hourly): every replica fires it, one at a time runs it. */
@Injectable()
export class AlertsScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(AlertsScheduler.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly monitor: AlertsMonitor,
    private readonly em: EntityManager,
  ) {}

  onApplicationBootstrap(): void {
    startCron(this.registry, this.logger, 'alerts-monitoring', this.config.monitoring.cron, () => runExclusively(this.em, 'alerts:monitoring', () => this.monitor.run(new Date())));
  }
}
