import { MikroOrmModule } from '@mikro-orm/nestjs';
import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { queueRegistration } from '../../common/queue-options';
import type { RoleParts } from '../../common/role-parts';
import { BaseBackupRange } from './base-backup-range.entity';
import { BaseBackupProducer } from './base-backup.producer';
import { BaseBackupsController } from './base-backups.controller';
import { BaseBackupsProcessor } from './base-backups.processor';
import { BaseBackupsService } from './base-backups.service';
import { PlatformRecoveriesController } from './platform-recoveries.controller';
import { PlatformRecoveriesProcessor, WalArchiveProcessor } from './platform-recoveries.processor';
import { PlatformRecoveriesService } from './platform-recoveries.service';
import { PlatformRecovery } from './platform-recovery.entity';
import { PointInTimeQueue } from './point-in-time.jobs';
import { PointInTimeScheduler } from './point-in-time.scheduler';
import { PointInTimeService } from './point-in-time.service';
import { ScratchClusters } from './scratch-clusters.service';
import { WalArchiveService } from './wal-archive.service';
import { WalSegment } from './wal-segment.entity';

/**
 * Point-in-time recovery: BASE backups (a producer and queue of their own, through the Backups lifecycle), the WAL
 * archive's index and sweep, platform recoveries to a time, and scratch clusters for tenant restores to a time. Global
 * so that Restores, Retention and Monitoring reach PointInTimeService without each registering it; import it before
 * BackupsModule and DisasterRecoveryModule: its /backups/base and /restore/disaster/pitr routes must match first.
 * `backups` is the app's one BackupsModule instance.
 */
@Global()
@Module({})
export class PointInTimeModule {
  static register(parts: RoleParts, backups: DynamicModule): DynamicModule {
    return {
      module: PointInTimeModule,
      imports: [
        MikroOrmModule.forFeature([WalSegment, BaseBackupRange, PlatformRecovery]),
        BullModule.registerQueueAsync(queueRegistration(PointInTimeQueue.BASE_BACKUPS), queueRegistration(PointInTimeQueue.RECOVERIES, () => 1), queueRegistration(PointInTimeQueue.WAL_ARCHIVE, () => 1)),
        backups,
      ],
      controllers: parts.api ? [BaseBackupsController, PlatformRecoveriesController] : [],
      providers: [
        BaseBackupProducer,
        BaseBackupsService,
        WalArchiveService,
        ScratchClusters,
        PlatformRecoveriesService,
        PointInTimeService,
        ...(parts.worker ? [BaseBackupsProcessor, PlatformRecoveriesProcessor, WalArchiveProcessor] : []),
        ...(parts.scheduler ? [PointInTimeScheduler] : []),
      ],
      exports: [PointInTimeService],
    };
  }
}
