import { MikroOrmModule } from '@mikro-orm/nestjs';
import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config';
import { TenantLocksModule } from '../tenant-locks/tenant-locks.module';
import { BackupLocation } from './backup-location.entity';
import { BackupAttempts } from './backup-attempts.service';
import { BackupRunner } from './backup-runner.service';
import { BackupVerifier } from './backup-verifier.service';
import { BackupRecord } from './backup.entity';
import { BackupsController } from './backups.controller';
import { QueueName } from './backups.jobs';
import { BackupsProcessor } from './backups.processor';
import { BackupsScheduler } from './backups.scheduler';
import { BackupsService } from './backups.service';
import { ReplicationProcessor } from './replication.processor';
import { ReplicationService } from './replication.service';

export interface RoleParts {
  api: boolean;
  worker: boolean;
  scheduler: boolean;
}

/** Tenant backups. Processors exist only in worker processes and crons only in scheduler processes (APP_ROLE). */
@Module({})
export class BackupsModule {
  static register(parts: RoleParts): DynamicModule {
    return {
      module: BackupsModule,
      imports: [
        MikroOrmModule.forFeature([BackupRecord, BackupLocation]),
        BullModule.registerQueueAsync(
          ...[QueueName.BACKUPS, QueueName.REPLICATION].map((name) => ({
            name,
            inject: [APP_CONFIG],
            useFactory: (config: AppConfig) => ({
              defaultJobOptions: {
                attempts: config.queues.jobAttempts,
                backoff: { type: 'exponential', delay: config.queues.jobBackoffMs },
                // Finished jobs are kept for a while so that re-adding the same job id stays a no-op.
                removeOnComplete: { age: 3 * 86_400 },
                removeOnFail: { age: 14 * 86_400 },
              },
            }),
          })),
        ),
        TenantLocksModule,
      ],
      controllers: parts.api ? [BackupsController] : [],
      providers: [
        BackupsService,
        BackupRunner,
        BackupAttempts,
        BackupVerifier,
        ReplicationService,
        ...(parts.worker ? [BackupsProcessor, ReplicationProcessor] : []),
        ...(parts.scheduler ? [BackupsScheduler] : []),
      ],
      exports: [BackupsService, BackupRunner, BackupAttempts, BackupVerifier],
    };
  }
}
