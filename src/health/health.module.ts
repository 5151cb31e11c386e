import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { QueueName } from '../modules/backups/backups.jobs';
import { HealthController } from './health.controller';
import { DependencyIndicators } from './health.indicators';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), BullModule.registerQueue({ name: QueueName.BACKUPS })],
  controllers: [HealthController],
  providers: [DependencyIndicators],
})
export class HealthModule {}
