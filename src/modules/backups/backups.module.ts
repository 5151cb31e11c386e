import { MikroOrmModule } from '@mikro-orm/nestjs';
import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { queueRegistration } from '../../common/queue-options';
import type { RoleParts } from '../../common/role-parts';
import { TenantLocksModule } from '../tenant-locks';
import { BackupJobRunner } from './backup-job-runner.service';
import { BackupLocation } from './backup-location.entity';
import { BackupProducers } from './backup-producer';
import { BackupStatisticsService } from './backup-statistics.service';
import { BackupStore } from './backup-store.service';
import { BackupRecord } from './backup.entity';
import { BackupsController } from './backups.controller';
import { QueueName } from './backups.jobs';
import { BackupsProcessor } from './backups.processor';
import { BackupsScheduler } from './backups.scheduler';
import { BackupsService } from './backups.service';
import { BackupsSweeper } from './backups.sweeper';
import { BulkBackupRequests } from './bulk-backup-requests';
import { ReplicationProcessor } from './replication.processor';
import { ReplicationService } from './replication.service';
import { TenantBackupProducer } from './tenant-backup.producer';

/**
 * The backup lifecycle of every type: records, the store step, attempts, replication, sidecars. Processors exist
 * only in worker processes and crons only in scheduler processes (APP_ROLE). Register it once and pass the same
 * instance to the contexts that import it (Nest 11 tells dynamic modules apart by reference).
 */
@Module({})
export class BackupsModule {
  static register(parts: RoleParts): DynamicModule {
    return {
      module: BackupsModule,
      imports: [
        MikroOrmModule.forFeature([BackupRecord, BackupLocation]),
        BullModule.registerQueueAsync(queueRegistration(QueueName.BACKUPS), queueRegistration(QueueName.REPLICATION)),
        TenantLocksModule,
      ],
      controllers: parts.api ? [BackupsController] : [],
      providers: [
        BackupsService,
        BulkBackupRequests,
        BackupProducers,
        BackupStore,
        BackupJobRunner,
        TenantBackupProducer,
        ReplicationService,
        BackupsSweeper,
        BackupStatisticsService,
        ...(parts.worker ? [BackupsProcessor, ReplicationProcessor] : []),
        ...(parts.scheduler ? [BackupsScheduler] : []),
      ],
      exports: [BackupsService, BackupProducers, BackupJobRunner, BackupsSweeper, BackupStatisticsService],
    };
  }
}
