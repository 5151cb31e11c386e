import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { RoleParts } from '../../common/role-parts';
import { MetricsController } from './metrics.controller';
import { MetricsServer } from './metrics-server';
import { MetricsService } from './metrics.service';
import { MonitoringController } from './monitoring.controller';
import { MonitoringService } from './monitoring.service';
import { QueueDepths } from './queue-depths.service';

/**
 * Monitoring: the super-admin overview and the Prometheus metrics. Metrics count events in every role; processes
 * without the HTTP API serve them on METRICS_PORT. `backups` and `alerts` are the app's instances of those modules.
 */
@Module({})
export class MonitoringModule {
  static register(parts: RoleParts, backups: DynamicModule, alerts: DynamicModule): DynamicModule {
    return {
      module: MonitoringModule,
      imports: [DiscoveryModule, backups, alerts],
      controllers: parts.api ? [MonitoringController, MetricsController] : [],
      providers: [QueueDepths, MetricsService, MonitoringService, ...(parts.api ? [] : [MetricsServer])],
    };
  }
}
