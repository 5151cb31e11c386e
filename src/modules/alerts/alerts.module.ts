import { MikroOrmModule } from '@mikro-orm/nestjs';
import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { queueRegistration } from '../../common/queue-options';
import type { RoleParts } from '../../common/role-parts';
import { alertChannelsProvider } from './alert-channels.token';
import { AlertDeliveryProcessor } from './alert-delivery.processor';
import { AlertNotifier } from './alert-notifier.service';
import { AlertRulesListener } from './alert-rules.listener';
import { Alert } from './alert.entity';
import { AlertsMonitor } from './alerts-monitor.service';
import { AlertsController } from './alerts.controller';
import { AlertsQueue } from './alerts.jobs';
import { AlertsScheduler } from './alerts.scheduler';
import { AlertsService } from './alerts.service';

/**
 * Alerts: the rules (listeners in every role, so an alert is raised where its event happened), the delivery queue
 * (processor in worker processes), the monitoring job (cron in scheduler processes) and the alerts API. `backups` is
 * the app's one BackupsModule instance.
 */
@Module({})
export class AlertsModule {
  static register(parts: RoleParts, backups: DynamicModule): DynamicModule {
    return {
      module: AlertsModule,
      imports: [MikroOrmModule.forFeature([Alert]), BullModule.registerQueueAsync(queueRegistration(AlertsQueue.DELIVERY, (config) => config.alerts.deliveryAttempts)), backups],
      controllers: parts.api ? [AlertsController] : [],
      providers: [
        alertChannelsProvider,
        AlertNotifier,
        AlertsService,
        AlertRulesListener,
        AlertsMonitor,
        ...(parts.worker ? [AlertDeliveryProcessor] : []),
        ...(parts.scheduler ? [AlertsScheduler] : []),
      ],
      exports: [AlertsService, AlertsMonitor],
    };
  }
}
