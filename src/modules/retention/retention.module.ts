import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { queueRegistration } from '../../common/queue-options';
import type { RoleParts } from '../../common/role-parts';
import { BACKUP_EXPIRY_POLICY } from '../backups';
import { BackupVerifier } from './backup-verifier.service';
import { RetentionPolicies } from './retention-policy.service';
import { RetentionQueue } from './retention.jobs';
import { RetentionScheduler } from './retention.scheduler';
import { VerificationController } from './verification.controller';
import { VerificationProcessor } from './verification.processor';
import { VerificationService } from './verification.service';

/**
 * Retention: how long backups are kept (the expiry policy Backups asks at completion) and verification of backups,
 * on demand and weekly. Global only for BACKUP_EXPIRY_POLICY, the port Backups declares and this context fills;
 * `backups` is the app's one BackupsModule instance.
 */
@Global()
@Module({})
export class RetentionModule {
  static register(parts: RoleParts, backups: DynamicModule): DynamicModule {
    return {
      module: RetentionModule,
      imports: [BullModule.registerQueueAsync(queueRegistration(RetentionQueue.VERIFICATION, () => 1)), backups],
      controllers: parts.api ? [VerificationController] : [],
      providers: [
        RetentionPolicies,
        { provide: BACKUP_EXPIRY_POLICY, useExisting: RetentionPolicies },
        BackupVerifier,
        VerificationService,
        ...(parts.worker ? [VerificationProcessor] : []),
        ...(parts.scheduler ? [RetentionScheduler] : []),
      ],
      exports: [BACKUP_EXPIRY_POLICY],
    };
  }
}
