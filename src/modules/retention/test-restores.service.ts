import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { KeyRing } from '../../../libs/crypto';
import { DomainError } from '../../common/domain-error';
import { DomainEvents } from '../../common/domain-events';
import { KEY_RING } from '../../common/key-ring.token';
import { addJob } from '../../common/queueing';
import { APP_CONFIG, AppConfig } from '../../config';
import { BackupNotFoundError, BackupRecord, BackupsService, BackupStatus, BackupType, LocationStatus } from '../backups';
import { StorageService } from '../storage';
import { RunStatus } from './background-run';
import { testRestoreDisaster } from './disaster-test-restore';
import { RetentionJob, RetentionQueue, RunPayload, dailyJobId } from './retention.jobs';
import { BackupNotRetainedError, RunNotFoundError } from './retention.errors';
import { enqueueRun, keepRunAlive } from './run-lifecycle';
import { ScratchDatabases } from './scratch-databases.service';
import { testRestoreTenant, TestRestoreResult } from './tenant-test-restore';
import { TestRestore } from './test-restore.entity';

const TESTABLE = [BackupType.TENANT, BackupType.PRE_RESTORE, BackupType.DISASTER];
const ACTIVE = [RunStatus.PENDING, RunStatus.RUNNING];

/**
 * Test restores: a backup restored into a scratch database created for it and compared with what its archive says it
 * holds; the scratch database is dropped whatever happens (and, after a crash, by the sweep). On demand, and daily for
 * TEST_RESTORE_SAMPLE tenants whose last test restore is oldest, plus the newest disaster backup not yet tested.
 */
@Injectable()
export class TestRestores {
  private readonly logger = new Logger(TestRestores.name);

  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KEY_RING) private readonly keyRing: KeyRing,
    private readonly storage: StorageService,
    private readonly backups: BackupsService,
    private readonly scratch: ScratchDatabases,
    private readonly events: DomainEvents,
    @InjectQueue(RetentionQueue.TEST_RESTORES) private readonly queue: Queue<RunPayload>,
    @InjectQueue(RetentionQueue.MAINTENANCE) private readonly maintenance: Queue<RunPayload>,
  ) {}

  /** A test restore of a completed backup; one already queued or running for it is answered instead of a second. */
  async request(backupId: string, initiatedBy: string): Promise<TestRestore> {
    const em = this.em.fork();
    const record = await em.findOne(BackupRecord, { id: backupId });
    if (!record || !TESTABLE.includes(record.type)) throw new BackupNotFoundError(backupId);
    if (record.status !== BackupStatus.COMPLETED) throw new BackupNotRetainedError(backupId, record.status, 'only a completed backup can be test-restored');
    const active = await em.findOne(TestRestore, { backupId: record.id, status: { $in: ACTIVE } });
    return active ?? enqueueRun(this.em, TestRestore.request(record, initiatedBy), this.queue, RetentionJob.TEST_RESTORE);
  }

  /** The daily cron (TEST_RESTORE_CRON): one choice per day whatever the number of replicas. */
  enqueueScheduled(day: Date): Promise<void> {
    return addJob(this.maintenance, RetentionJob.SCHEDULE_TEST_RESTORES, {}, { jobId: dailyJobId(RetentionJob.SCHEDULE_TEST_RESTORES, day) });
  }

  /**
   * The daily sample: the newest backup of each of the TEST_RESTORE_SAMPLE tenants whose last test restore is oldest
   * (never tested first), and the newest disaster backup if it was never tested (TEST_RESTORE_DISASTER).
   */
  async scheduleSample(now: Date = new Date()): Promise<TestRestore[]> {
    const em = this.em.fork();
    const newest = await this.backups.newestTenantBackups(now);
    const tested = await em.find(TestRestore, { backupType: BackupType.TENANT }, { fields: ['tenantId', 'createdAt'], orderBy: { createdAt: 'desc' } });
    const lastTested = new Map<string, number>();
    for (const run of tested) if (run.tenantId && !lastTested.has(run.tenantId)) lastTested.set(run.tenantId, run.createdAt.getTime());
    const tenants = [...newest.keys()].sort((a, b) => (lastTested.get(a) ?? -Infinity) - (lastTested.get(b) ?? -Infinity) || (a < b ? -1 : 1));
    const chosen = tenants.slice(0, this.config.maintenance.testRestoreSample).map((tenantId) => newest.get(tenantId)!);
    if (this.config.maintenance.testRestoreDisaster) {
      const disaster = await em.findOne(BackupRecord, { type: BackupType.DISASTER, status: BackupStatus.COMPLETED, createdAt: { $lte: now } }, { orderBy: { createdAt: 'desc', id: 'desc' } });
      if (disaster && !(await em.count(TestRestore, { backupId: disaster.id }))) chosen.push(disaster.id);
    }
    const requested: TestRestore[] = [];
    for (const backupId of chosen) {
      try {
        requested.push(await this.request(backupId, 'scheduler'));
      } catch (error) {
        // One backup that cannot be tested (deleted meanwhile) does not stop the others; Redis down does.
        if (!(error instanceof DomainError) || error.kind === 'unavailable') throw error;
        this.logger.warn(`daily test restore of backup ${backupId} not requested: ${error.message}`);
      }
    }
    this.logger.log(`daily test restores: ${requested.length} requested`);
    return requested;
  }

  /** The worker's side. The scratch database is dropped in every case; the outcome is announced once recorded. */
  async run(testRestoreId: string): Promise<TestRestore | undefined> {
    const em = this.em.fork();
    const run = await em.findOne(TestRestore, { id: testRestoreId });
    if (!run || run.isFinished) return run ?? undefined;
    const record = await em.findOne(BackupRecord, { id: run.backupId }, { populate: ['locations'] });
    run.start();
    await em.flush();
    const stopHeartbeat = keepRunAlive(this.em, this.config, TestRestore, run.id);
    try {
      run.finish(await this.restore(run, record));
    } catch (error) {
      run.fail(`the test restore could not run: ${(error as Error).message}`);
    } finally {
      stopHeartbeat();
      await this.scratch.drop(run.scratchDatabase).catch((error: Error) => this.logger.error(`scratch database ${run.scratchDatabase} not dropped (the sweep will): ${error.message}`));
      await em.flush();
    }
    this.announce(run);
    return run;
  }

  async get(testRestoreId: string): Promise<TestRestore> {
    const run = await this.em.fork().findOne(TestRestore, { id: testRestoreId });
    if (!run) throw new RunNotFoundError('Test restore', testRestoreId);
    return run;
  }

  /** The backup's newest test restore, which is its `lastTestRestoreAt` and `testRestoreStatus`. */
  async latestOf(backupId: string): Promise<TestRestore | null> {
    const em = this.em.fork();
    if (!(await em.count(BackupRecord, { id: backupId, type: { $in: TESTABLE } }))) throw new BackupNotFoundError(backupId);
    return em.findOne(TestRestore, { backupId }, { orderBy: { createdAt: 'desc', id: 'desc' } });
  }

  announce(run: TestRestore): void {
    const base = { testRestoreId: run.id, backupId: run.backupId, backupType: run.backupType, tenantId: run.tenantId, durationMs: run.durationMs ?? 0, initiatedBy: run.initiatedBy };
    if (run.status === RunStatus.COMPLETED) this.events.emit({ type: 'test-restore.completed', ...base, rowsRestored: run.rowsRestored ?? 0, tables: run.tables?.length ?? 0 });
    else if (run.status === RunStatus.FAILED) this.events.emit({ type: 'test-restore.failed', ...base, reason: run.errorMessage ?? 'unknown' });
  }

  private async restore(run: TestRestore, record: BackupRecord | null): Promise<TestRestoreResult> {
    if (record?.status !== BackupStatus.COMPLETED) return { tables: [], problem: `the backup is ${record?.status ?? 'gone'}` };
    // The first configured provider (primary first) that holds a copy: the one a restore would use.
    const location = this.storage.names.map((name) => record.location(name)).find((l) => l?.status === LocationStatus.STORED);
    if (!location) return { tables: [], problem: 'no configured provider holds a copy' };
    run.provider = location.provider;
    const scratch = await this.scratch.create(run.scratchDatabase);
    const download = () => this.storage.require(location.provider).get(location.key);
    if (record.type === BackupType.DISASTER) {
      const sourceCounts = record.rowCounts && Object.keys(record.rowCounts).length > 0 ? record.rowCounts : undefined;
      return testRestoreDisaster({ stored: await download(), ring: this.keyRing, expectedSha256: record.sha256!, scratch, sourceCounts });
    }
    await this.scratch.loadPlatformSchema(scratch);
    return testRestoreTenant({ stored: await download(), ring: this.keyRing, tenantId: record.tenantId!, expectedSha256: record.sha256!, scratch, tenancy: this.config.tenancy });
  }
}
