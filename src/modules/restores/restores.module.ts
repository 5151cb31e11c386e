import { MikroOrmModule } from '@mikro-orm/nestjs';
import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import type { RoleParts } from '../../common/role-parts';
import { TenantLocksModule } from '../tenant-locks';
import { RestoreItem } from './restore-item.entity';
import { RestoreOperation } from './restore-operation.entity';
import { RestoreRunner } from './restore-runner.service';
import { RestoreValidator } from './restore-validator.service';
import { RestoresController } from './restores.controller';
import { RestoreQueueName } from './restores.jobs';
import { RestoresProcessor } from './restores.processor';
import { RestoresScheduler } from './restores.scheduler';
import { RestoresService } from './restores.service';
import { RestoresSweeper } from './restores.sweeper';

/**
 * Tenant restores. `backups` is the very BackupsModule instance the app imports (Nest 11 tells dynamic modules
 * apart by reference, so a second register() would build a second set of backup workers).
 */
@Module({})
export class RestoresModule {
  static register(parts: RoleParts, backups: DynamicModule): DynamicModule {
    return {
      module: RestoresModule,
      imports: [
        MikroOrmModule.forFeature([RestoreOperation, RestoreItem]),
        BullModule.registerQueue({
          name: RestoreQueueName.RESTORES,
          // One attempt: see RestoresProcessor. Finished jobs stay a while so that re-adding a job id is a no-op.
          defaultJobOptions: { attempts: 1, removeOnComplete: { age: 3 * 86_400 }, removeOnFail: { age: 14 * 86_400 } },
        }),
        TenantLocksModule,
        backups,
      ],
      controllers: parts.api ? [RestoresController] : [],
      providers: [RestoresService, RestoreRunner, RestoreValidator, RestoresSweeper, ...(parts.worker ? [RestoresProcessor] : []), ...(parts.scheduler ? [RestoresScheduler] : [])],
      exports: [RestoresService, RestoreRunner, RestoresSweeper],
    };
  }
}
