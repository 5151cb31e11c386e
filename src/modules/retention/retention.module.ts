import { MikroOrmModule } from '@mikro-orm/nestjs';
import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { queueRegistration } from '../../common/queue-options';
import type { RoleParts } from '../../common/role-parts';
import { BACKUP_EXPIRY_POLICY } from '../backups';
import { BackupDeletion } from './backup-deletion.entity';
import { BackupHold } from './backup-hold.entity';
import { BackupHolds } from './backup-holds.service';
import { BackupRetentionController } from './backup-retention.controller';
import { BackupVerifier } from './backup-verifier.service';
import { CopyCheck } from './copy-check.entity';
import { MaintenanceProcessor } from './maintenance.processor';
import { RetentionPolicyVersion } from './retention-policy.entity';
import { RetentionPolicies } from './retention-policy.service';
import { RetentionProtections } from './retention-protections.service';
import { RetentionRun } from './retention-run.entity';
import { RetentionRunner } from './retention-runner.service';
import { RetentionController } from './retention.controller';
import { RetentionQueue } from './retention.jobs';
import { RetentionScheduler } from './retention.scheduler';
import { RetentionSweeper } from './retention.sweeper';
import { ScratchDatabases } from './scratch-databases.service';
import { StorageScan } from './storage-scan.entity';
import { StorageScans } from './storage-scans.service';
import { StorageStatusController } from './storage-status.controller';
import { StorageStatusService } from './storage-status.service';
import { TestRestore } from './test-restore.entity';
import { TestRestoresProcessor } from './test-restores.processor';
import { TestRestores } from './test-restores.service';
import { VerificationRun } from './verification-run.entity';
import { VerificationController } from './verification.controller';
import { VerificationProcessor } from './verification.processor';
import { VerificationService } from './verification.service';

/**
 * Retention: how long backups are kept (policies, runs, legal holds, and the expiry port Backups asks at completion),
 * verification and repair of stored copies, test restores, and storage scans (orphan sweeps, recounts, /storage/status).
 * Work runs in three queues, each attempted once: a run that fails is reported, not repeated blindly. Global only for
 * BACKUP_EXPIRY_POLICY, the port Backups declares and this context fills; `backups` is the app's one BackupsModule.
 */
@Global()
@Module({})
export class RetentionModule {
  static register(parts: RoleParts, backups: DynamicModule): DynamicModule {
    return {
      module: RetentionModule,
      imports: [
        MikroOrmModule.forFeature([RetentionPolicyVersion, BackupHold, RetentionRun, BackupDeletion, VerificationRun, CopyCheck, TestRestore, StorageScan]),
        BullModule.registerQueueAsync(
          queueRegistration(RetentionQueue.VERIFICATION, () => 1),
          queueRegistration(RetentionQueue.TEST_RESTORES, () => 1),
          queueRegistration(RetentionQueue.MAINTENANCE, (config) => config.queues.jobAttempts),
        ),
        backups,
      ],
      controllers: parts.api ? [RetentionController, BackupRetentionController, VerificationController, StorageStatusController] : [],
      providers: [
        RetentionPolicies,
        { provide: BACKUP_EXPIRY_POLICY, useExisting: RetentionPolicies },
        BackupHolds,
        RetentionProtections,
        RetentionRunner,
        BackupVerifier,
        VerificationService,
        ScratchDatabases,
        TestRestores,
        StorageScans,
        StorageStatusService,
        RetentionSweeper,
        ...(parts.worker ? [VerificationProcessor, TestRestoresProcessor, MaintenanceProcessor] : []),
        ...(parts.scheduler ? [RetentionScheduler] : []),
      ],
      exports: [BACKUP_EXPIRY_POLICY, RetentionRunner, VerificationService, TestRestores, StorageScans, RetentionSweeper],
    };
  }
}
