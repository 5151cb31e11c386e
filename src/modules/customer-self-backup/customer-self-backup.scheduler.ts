import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { runExclusively, startCron } from '../../common/cron';
import { APP_CONFIG, AppConfig } from '../../config';
import { CustomerExportExpiry } from './customer-export-expiry.service';

/** The expiry of exports (CUSTOMER_EXPORT_CRON, hourly): one scheduler replica at a time, deleting files. */
@Injectable()
export class CustomerSelfBackupScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(CustomerSelfBackupScheduler.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly expiry: CustomerExportExpiry,
    private readonly em: EntityManager,
  ) {}

  onApplicationBootstrap(): void {
    startCron(this.registry, this.logger, 'customer-exports-expiry', this.config.customerExports.expiryCron, () =>
      runExclusively(this.em, 'customer-exports:expiry', () => this.expiry.expireDue(new Date())),
    );
  }
}
