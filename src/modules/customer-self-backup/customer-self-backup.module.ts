import { MikroOrmModule } from '@mikro-orm/nestjs';
import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { queueRegistration } from '../../common/queue-options';
import type { RoleParts } from '../../common/role-parts';
import { CustomerExportExpiry } from './customer-export-expiry.service';
import { CustomerExport } from './customer-export.entity';
import { CustomerExportProducer } from './customer-export.producer';
import { CustomerExportsProcessor } from './customer-exports.processor';
import { CustomerExportsService } from './customer-exports.service';
import { CustomerSelfBackupController } from './customer-self-backup.controller';
import { CustomerExportQueue } from './customer-self-backup.jobs';
import { CustomerSelfBackupScheduler } from './customer-self-backup.scheduler';

/**
 * Tenants' self-service exports (CUSTOMER backups through the Backups lifecycle, with CustomerExportProducer), their
 * downloads and their expiry. `backups` is the app's one BackupsModule instance (Nest 11 tells dynamic modules apart
 * by reference).
 */
@Module({})
export class CustomerSelfBackupModule {
  static register(parts: RoleParts, backups: DynamicModule): DynamicModule {
    return {
      module: CustomerSelfBackupModule,
      imports: [MikroOrmModule.forFeature([CustomerExport]), BullModule.registerQueueAsync(queueRegistration(CustomerExportQueue.EXPORTS)), backups],
      controllers: parts.api ? [CustomerSelfBackupController] : [],
      providers: [
        CustomerExportProducer,
        CustomerExportsService,
        CustomerExportExpiry,
        ...(parts.worker ? [CustomerExportsProcessor] : []),
        ...(parts.scheduler ? [CustomerSelfBackupScheduler] : []),
      ],
      exports: [CustomerExportsService, CustomerExportExpiry],
    };
  }
}
