import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { runExclusively, startCron } from '../../common/cron';
import { APP_CONFIG, AppConfig } from '../../config';
import { RetentionRunner } from './retention-runner.service';
import { RetentionSweeper } from './retention.sweeper';
import { StorageScans } from './storage-scans.service';
import { TestRestores } from './test-restores.service';
import { VerificationService } from './verification.service';

/**
 * Crons only enqueue; every replica fires them and job ids make the work happen once. The sweep of dead runs and
 * leftover scratch databases also runs once at start-up, so a service restarted after a crash cleans up at once.
 */
@Injectable()
export class RetentionScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(RetentionScheduler.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly em: EntityManager,
    private readonly verification: VerificationService,
    private readonly retention: RetentionRunner,
    private readonly testRestores: TestRestores,
    private readonly scans: StorageScans,
    private readonly sweeper: RetentionSweeper,
  ) {}

  onApplicationBootstrap(): void {
    const { maintenance } = this.config;
    startCron(this.registry, this.logger, 'recent-backups-verification', this.config.schedules.verification, () => this.verification.enqueueScheduled(new Date()));
    startCron(this.registry, this.logger, 'retention', maintenance.retentionCron, () => this.retention.enqueueScheduled(new Date()));
    startCron(this.registry, this.logger, 'test-restores', maintenance.testRestoreCron, () => this.testRestores.enqueueScheduled(new Date()));
    startCron(this.registry, this.logger, 'orphan-sweep', maintenance.orphanSweepCron, () => this.scans.enqueueScheduled(new Date()));
    const sweep = () => runExclusively(this.em, 'sweep:retention', () => this.sweeper.sweep());
    startCron(this.registry, this.logger, 'retention-sweep', this.config.schedules.sweep, sweep);
    void sweep().catch((error: Error) => this.logger.error(`start-up sweep failed: ${error.message}`));
  }
}
