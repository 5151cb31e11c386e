import { MikroOrmModule } from '@mikro-orm/nestjs';
import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config';
import { BackupLocation } from '../backups/backup-location.entity';
import { BackupRecord } from '../backups/backup.entity';
import type { RoleParts } from '../backups/backups.module';
import { DisasterBackupRunner } from './disaster-backup-runner.service';
import { DisasterBackupsController } from './disaster-backups.controller';
import { DisasterBackupsProcessor } from './disaster-backups.processor';
import { DisasterBackupsService } from './disaster-backups.service';
import { DisasterQueue } from './disaster-recovery.jobs';
import { DisasterRecoveryScheduler } from './disaster-recovery.scheduler';
import { DisasterRestore } from './disaster-restore.entity';
import { DisasterRestoresController } from './disaster-restores.controller';
import { DisasterRestoresProcessor } from './disaster-restores.processor';
import { DisasterRestoresService } from './disaster-restores.service';
import { StorageVerificationController } from './storage-verification.controller';
import { StorageVerificationService } from './storage-verification.service';
import { VerificationProcessor } from './verification.processor';

/**
 * Whole-platform disaster backups and restores, and verification of all recent backups. Import it before
 * BackupsModule: its routes under /backups/disaster must be matched before /backups/:backupId. `backups` is the very
 * BackupsModule instance the app imports (Nest 11 tells dynamic modules apart by reference).
 */
@Module({})
export class DisasterRecoveryModule {
  static register(parts: RoleParts, backups: DynamicModule): DynamicModule {
    return {
      module: DisasterRecoveryModule,
      imports: [
        MikroOrmModule.forFeature([BackupRecord, BackupLocation, DisasterRestore]),
        BullModule.registerQueueAsync(
          ...[DisasterQueue.BACKUPS, DisasterQueue.RESTORES, DisasterQueue.VERIFICATION].map((name) => ({
            name,
            inject: [APP_CONFIG],
            useFactory: (config: AppConfig) => ({
              defaultJobOptions: {
                attempts: name === DisasterQueue.BACKUPS ? config.queues.jobAttempts : 1,
                backoff: { type: 'exponential', delay: config.queues.jobBackoffMs },
                // Finished jobs are kept for a while so that re-adding the same job id stays a no-op.
                removeOnComplete: { age: 3 * 86_400 },
                removeOnFail: { age: 14 * 86_400 },
              },
            }),
          })),
        ),
        backups,
      ],
      controllers: parts.api ? [DisasterBackupsController, DisasterRestoresController, StorageVerificationController] : [],
      providers: [
        DisasterBackupRunner,
        DisasterBackupsService,
        DisasterRestoresService,
        StorageVerificationService,
        ...(parts.worker ? [DisasterBackupsProcessor, DisasterRestoresProcessor, VerificationProcessor] : []),
        ...(parts.scheduler ? [DisasterRecoveryScheduler] : []),
      ],
    };
  }
}
