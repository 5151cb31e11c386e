import { MikroOrmModule } from '@mikro-orm/nestjs';
import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { KeyRing } from '../libs/crypto';
import { AuthGuard } from './common/auth';
import { DomainEventsModule } from './common/domain-events';
import { HttpErrorFilter } from './common/http-exception.filter';
import { RequestValidationPipe } from './common/request-validation.pipe';
import { KEY_RING } from './common/key-ring.token';
import { redisConnection } from './common/redis-connection';
import { APP_CONFIG, AppConfig } from './config';
import { mikroOrmOptions } from './database/mikro-orm.options';
import { HealthModule } from './health/health.module';
import { AlertsModule } from './modules/alerts';
import { AuditModule } from './modules/audit';
import { BackupsModule } from './modules/backups';
import { CustomerSelfBackupModule } from './modules/customer-self-backup';
import { DisasterRecoveryModule } from './modules/disaster-recovery';
import { MonitoringModule } from './modules/monitoring';
import { PlatformModule } from './modules/platform';
import { PointInTimeModule } from './modules/point-in-time';
import { RestoresModule } from './modules/restores';
import { RetentionModule } from './modules/retention';
import { StorageModule } from './modules/storage';

/** Configuration and key ring, available everywhere. */
@Global()
@Module({})
class CoreModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: KEY_RING, useFactory: () => KeyRing.fromBase64(config.encryption.activeKey, config.encryption.retiredKeys) },
      ],
      exports: [APP_CONFIG, KEY_RING],
    };
  }
}

/** The whole service; APP_ROLE decides which parts run in this process (SPEC §1). */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    const parts = { api: ['api', 'all'].includes(config.role), worker: ['worker', 'all'].includes(config.role), scheduler: ['scheduler', 'all'].includes(config.role) };
    // One instance, shared with the contexts that use the Backups face (Nest 11 tells dynamic modules apart by reference).
    const backups = BackupsModule.register(parts);
    const alerts = AlertsModule.register(parts, backups);
    return {
      module: AppModule,
      imports: [
        CoreModule.forConfig(config),
        MikroOrmModule.forRoot({ ...mikroOrmOptions(config.databaseUrl), registerRequestContext: parts.api }),
        BullModule.forRoot({ connection: redisConnection(config.redisUrl), prefix: config.queuePrefix }),
        ...(parts.scheduler ? [ScheduleModule.forRoot()] : []),
        PlatformModule,
        StorageModule,
        AuditModule,
        DomainEventsModule,
        // Before `backups` and disaster recovery: /backups/base and /restore/disaster/pitr must match before their :id routes.
        PointInTimeModule.register(parts, backups),
        // Before `backups`: its /backups/disaster routes must match before /backups/:backupId.
        DisasterRecoveryModule.register(parts, backups),
        // Before `backups` too: /backups/disaster/:id/verify and /backups/:id/verify are its routes.
        RetentionModule.register(parts, backups),
        backups,
        RestoresModule.register(parts, backups),
        CustomerSelfBackupModule.register(parts, backups),
        alerts,
        MonitoringModule.register(parts, backups, alerts),
        ...(parts.api ? [HealthModule.register(backups)] : []),
      ],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        { provide: APP_PIPE, useClass: RequestValidationPipe },
      ],
    };
  }
}
