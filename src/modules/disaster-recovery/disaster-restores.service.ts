import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { KeyRing } from '../../../libs/crypto';
import type { ProviderName } from '../../../libs/storage/storage.port';
import { KEY_RING } from '../../common/key-ring.token';
import { APP_CONFIG, AppConfig } from '../../config';
import { redactUrl } from '../../logging';
import { BackupRecord } from '../backups/backup.entity';
import { BackupStatus, LocationStatus } from '../backups/backup.types';
import { BackupNotCompletedError, UnknownProviderError } from '../backups/backups.errors';
import { StorageService } from '../storage/storage.service';
import { DisasterBackupsService } from './disaster-backups.service';
import {
  DisasterRestoreNotFoundError,
  DisasterRestoreRunningError,
  NoCopyAtProviderError,
  TargetIsCatalogError,
  TargetNotEmptyError,
  TargetUnreachableError,
} from './disaster-recovery.errors';
import { DisasterJob, DisasterQueue, disasterRestoreJobId, RestoreDisasterPayload } from './disaster-recovery.jobs';
import { DisasterRestore, DisasterRestoreStatus } from './disaster-restore.entity';
import { restoreDisasterObject } from './disaster-restore-pipeline';
import { inspectTarget, sameDatabase } from './postgres-inspection';
import { redactSecrets } from './postgres-tools';
import { openSecret, sealSecret } from './sealed-secret';

export interface DisasterRestoreRequest {
  backupId: string;
  targetDatabaseUrl: string;
  cleanTarget: boolean;
  provider?: ProviderName;
}

/** Whole-database restores of disaster backups: checked here, run by DisasterRestoresProcessor. */
@Injectable()
export class DisasterRestoresService {
  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KEY_RING) private readonly keyRing: KeyRing,
    private readonly storage: StorageService,
    private readonly disasterBackups: DisasterBackupsService,
    @InjectQueue(DisasterQueue.RESTORES) private readonly queue: Queue<RestoreDisasterPayload>,
  ) {}

  /**
   * Everything a client can get wrong is checked before answering: the backup, the provider, whether the target is
   * reachable, not the catalog, and empty (unless cleanTarget). The restore itself is a job: no retries, since a
   * half-done pg_restore is not something to run again blindly.
   */
  async request(input: DisasterRestoreRequest, initiatedBy: string): Promise<DisasterRestore> {
    const backup = await this.disasterBackups.get(input.backupId);
    if (backup.status !== BackupStatus.COMPLETED) throw new BackupNotCompletedError(backup.id, backup.status);
    if (input.provider) this.copyAt(backup, input.provider);
    else this.firstCopy(backup);
    if (sameDatabase(input.targetDatabaseUrl, this.config.databaseUrl)) throw new TargetIsCatalogError();
    const target = redactUrl(input.targetDatabaseUrl);
    const info = await inspectTarget(input.targetDatabaseUrl).catch((error: Error) => {
      throw new TargetUnreachableError(target, error.message.replace(/^cannot connect to the target database at \S+: /, ''));
    });
    if (!input.cleanTarget && info.userObjects > 0) throw new TargetNotEmptyError(info.database, info.userObjects);

    const em = this.em.fork();
    const running = await em.findOne(DisasterRestore, { target, status: { $in: [DisasterRestoreStatus.PENDING, DisasterRestoreStatus.IN_PROGRESS] } });
    if (running) throw new DisasterRestoreRunningError(running.id);
    const restore = DisasterRestore.create({ backupId: backup.id, provider: input.provider, target, cleanTarget: input.cleanTarget, initiatedBy });
    await em.persistAndFlush(restore);
    try {
      const sealedTarget = await sealSecret(this.keyRing, input.targetDatabaseUrl);
      // Deleted when done either way: the sealed credentials should not outlive the restore.
      await this.queue.add(DisasterJob.RESTORE, { restoreId: restore.id, sealedTarget }, { jobId: disasterRestoreJobId(restore.id), attempts: 1, removeOnComplete: true, removeOnFail: true });
    } catch (error) {
      restore.fail(`could not enqueue: ${(error as Error).message}`);
      await em.flush();
      throw error;
    }
    return restore;
  }

  /** The worker's part: download, decrypt and pipe into pg_restore, reporting progress on the record. */
  async execute(em: EntityManager, restore: DisasterRestore, sealedTarget: string, onProgress: (percent: number) => Promise<void>): Promise<void> {
    const targetUrl = await openSecret(this.keyRing, sealedTarget);
    try {
      const backup = await this.disasterBackups.get(restore.backupId);
      const location = restore.provider ? this.copyAt(backup, restore.provider) : this.firstCopy(backup);
      restore.start(location.provider);
      await em.flush();

      const adapter = this.storage.byName(location.provider)!;
      const head = await adapter.head(location.key);
      if (head?.size !== backup.storedBytes) throw new Error(`the object at ${location.provider} is ${head ? `${head.size} bytes` : 'missing'}; the catalog says ${backup.storedBytes} bytes`);
      let reported = 0;
      const outcome = await restoreDisasterObject({
        stored: await adapter.get(location.key),
        ring: this.keyRing,
        expectedSha256: backup.sha256!,
        targetUrl,
        clean: restore.cleanTarget,
        onProgress: (bytes) => {
          const percent = Math.min(99, Math.floor((bytes / Math.max(backup.storedBytes ?? 1, 1)) * 100));
          if (percent > reported) void onProgress((reported = percent)).catch(() => undefined);
        },
      });
      restore.complete(outcome.dump.bytes);
      await em.flush();
    } catch (error) {
      // pg_restore's stderr or a driver message could quote the target URL.
      throw error instanceof Error ? new Error(redactSecrets(error.message, [targetUrl])) : error;
    }
  }

  async get(restoreId: string): Promise<DisasterRestore> {
    const restore = await this.em.fork().findOne(DisasterRestore, { id: restoreId });
    if (!restore) throw new DisasterRestoreNotFoundError(restoreId);
    return restore;
  }

  list(limit: number, offset: number): Promise<[DisasterRestore[], number]> {
    return this.em.fork().findAndCount(DisasterRestore, {}, { orderBy: { createdAt: 'desc', id: 'desc' }, limit, offset });
  }

  private copyAt(backup: BackupRecord, provider: ProviderName) {
    if (!this.storage.byName(provider)) throw new UnknownProviderError(provider, this.storage.providers.map((p) => p.name));
    const location = backup.location(provider);
    if (location?.status !== LocationStatus.STORED) throw new NoCopyAtProviderError(backup.id, provider);
    return location;
  }

  /** The first stored copy in STORAGE_PROVIDERS order: the primary unless it lacks one. */
  private firstCopy(backup: BackupRecord) {
    for (const adapter of this.storage.providers) {
      const location = backup.location(adapter.name);
      if (location?.status === LocationStatus.STORED) return location;
    }
    throw new NoCopyAtProviderError(backup.id, this.storage.providers.map((p) => p.name).join(' or '));
  }
}
