import { MikroOrmModule } from '@mikro-orm/nestjs';
import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { queueRegistration } from '../../common/queue-options';
import type { RoleParts } from '../../common/role-parts';
import { TenantLocksModule } from '../tenant-locks';
import { DisasterBackupProducer } from './disaster-backup.producer';
import { DisasterBackupsController } from './disaster-backups.controller';
import { DisasterBackupsProcessor } from './disaster-backups.processor';
import { DisasterBackupsService } from './disaster-backups.service';
import { DisasterQueue } from './disaster-recovery.jobs';
import { DisasterRecoveryScheduler } from './disaster-recovery.scheduler';
import { DisasterRestoreRunner } from './disaster-restore-runner.service';
import { DisasterRestore } from './disaster-restore.entity';
import { DisasterRestoresController } from './disaster-restores.controller';
import { DisasterRestoresProcessor } from './disaster-restores.processor';
import { DisasterRestoresService } from './disaster-restores.service';
import { DisasterRestoresSweeper } from './disaster-restores.sweeper';

/**
 * Whole-platform disaster backups (through the Backups lifecycle, with DisasterBackupProducer) and restores. Import it
 * before BackupsModule: its routes under /backups/disaster must be matched before /backups/:backupId. `backups` is
 * the app's one BackupsModule instance (Nest 11 tells dynamic modules apart by reference).
 */
@Module({})
export class DisasterRecoveryModule {
  static register(parts: RoleParts, backups: DynamicModule): DynamicModule {
    return {
      module: DisasterRecoveryModule,
      imports: [
        MikroOrmModule.forFeature([DisasterRestore]),
        BullModule.registerQueueAsync(queueRegistration(DisasterQueue.BACKUPS), queueRegistration(DisasterQueue.RESTORES, () => 1)),
        TenantLocksModule,
        backups,
      ],
      controllers: parts.api ? [DisasterBackupsController, DisasterRestoresController] : [],
      providers: [
        DisasterBackupProducer,
        DisasterBackupsService,
        DisasterRestoresService,
        DisasterRestoreRunner,
        DisasterRestoresSweeper,
        ...(parts.worker ? [DisasterBackupsProcessor, DisasterRestoresProcessor] : []),
        ...(parts.scheduler ? [DisasterRecoveryScheduler] : []),
      ],
      exports: [DisasterBackupsService, DisasterRestoresService, DisasterRestoreRunner, DisasterRestoresSweeper],
    };
  }
}
