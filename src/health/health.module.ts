import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BackupFreshnessIndicators } from './backup-freshness.indicators';
import { HealthController } from './health.controller';
import { DependencyIndicators } from './health.indicators';

/** The health probes; `backups` is the app's one BackupsModule instance (backup freshness for GET /health). */
@Module({})
export class HealthModule {
  static register(backups: DynamicModule): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false }), backups],
      controllers: [HealthController],
      providers: [DependencyIndicators, BackupFreshnessIndicators],
    };
  }
}
