import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { KeyRing } from '../../../libs/crypto';
import { canonicalTarget, describePg, inspectTarget, parsePgUrl, PgConnection, PostgresToolError, sameDatabase } from '../../../libs/pg-tools';
import type { ProviderName } from '../../../libs/storage/storage.port';
import { KEY_RING } from '../../common/key-ring.token';
import { addJob } from '../../common/queueing';
import { APP_CONFIG, AppConfig } from '../../config';
import { BackupLocation, BackupNotCompletedError, BackupRecord, BackupStatus, LocationStatus } from '../backups';
import { StorageService } from '../storage';
import { platformLockKey, TenantBusyError, TenantLocksService } from '../tenant-locks';
import { DisasterBackupsService } from './disaster-backups.service';
import {
  DisasterRestoreNotFoundError,
  DisasterRestoreRunningError,
  NoCopyAtProviderError,
  TargetNotEmptyError,
  TargetProtectedError,
  TargetUnreachableError,
  TargetUrlInvalidError,
} from './disaster-recovery.errors';
import { DisasterJob, DisasterQueue, disasterRestoreJobId, RestoreDisasterPayload } from './disaster-recovery.jobs';
import { DisasterRestore } from './disaster-restore.entity';
import { sealConnection } from './sealed-secret';

export interface DisasterRestoreRequest {
  backupId: string;
  targetDatabaseUrl: string;
  cleanTarget: boolean;
  provider?: ProviderName;
}

/** Whole-database restores of disaster backups: checked and enqueued here, run by DisasterRestoreRunner. */
@Injectable()
export class DisasterRestoresService {
  private readonly logger = new Logger(DisasterRestoresService.name);

  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KEY_RING) private readonly keyRing: KeyRing,
    private readonly storage: StorageService,
    private readonly disasterBackups: DisasterBackupsService,
    private readonly locks: TenantLocksService,
    @InjectQueue(DisasterQueue.RESTORES) private readonly queue: Queue<RestoreDisasterPayload>,
  ) {}

  /**
   * Everything a client can get wrong is checked before answering: the backup, the provider, the target URL (parsed
   * once into fields; only `sslmode` may be given as a parameter), that it is neither the catalog nor the live
   * platform, reachable, and empty (unless cleanTarget). The restore itself is a job: no retries, since a half-done
   * pg_restore is not something to run again blindly. One restore per target at a time, across replicas.
   */
  async request(input: DisasterRestoreRequest, initiatedBy: string): Promise<DisasterRestore> {
    const backup = await this.disasterBackups.get(input.backupId);
    if (backup.status !== BackupStatus.COMPLETED) throw new BackupNotCompletedError(backup.id, backup.status);
    if (input.provider) this.copyAt(backup, input.provider);
    else this.firstCopy(backup);
    const target = await this.checkTarget(input.targetDatabaseUrl, input.cleanTarget);

    const lockKey = platformLockKey(`disaster-restore:${await canonicalTarget(target)}`);
    const restore = DisasterRestore.create({ backupId: backup.id, provider: input.provider, target: describePg(target), cleanTarget: input.cleanTarget, initiatedBy, lockKey });
    try {
      await this.em.fork().transactional(async (tx) => {
        await this.locks.acquire(tx, lockKey, 'DISASTER_RESTORE', restore.id);
        tx.persist(restore);
      });
    } catch (error) {
      if (error instanceof TenantBusyError) throw new DisasterRestoreRunningError((await this.locks.holder(lockKey))?.operationId ?? 'unknown');
      throw error;
    }
    try {
      const sealedTarget = await sealConnection(this.keyRing, target);
      // Deleted when done either way: the sealed credentials should not outlive the restore.
      await addJob(this.queue, DisasterJob.RESTORE, { restoreId: restore.id, sealedTarget }, { jobId: disasterRestoreJobId(restore.id), attempts: 1, removeOnComplete: true, removeOnFail: true });
    } catch (error) {
      await this.undo(restore);
      throw error;
    }
    return restore;
  }

  async get(restoreId: string): Promise<DisasterRestore> {
    const restore = await this.em.fork().findOne(DisasterRestore, { id: restoreId });
    if (!restore) throw new DisasterRestoreNotFoundError(restoreId);
    return restore;
  }

  list(limit: number, offset: number): Promise<[DisasterRestore[], number]> {
    return this.em.fork().findAndCount(DisasterRestore, {}, { orderBy: { createdAt: 'desc', id: 'desc' }, limit, offset });
  }

  /** The stored copy a restore reads: at the provider asked for, else the first in STORAGE_PROVIDERS order. */
  locationFor(backup: BackupRecord, provider: ProviderName | undefined): BackupLocation {
    return provider ? this.copyAt(backup, provider) : this.firstCopy(backup);
  }

  private async checkTarget(url: string, clean: boolean): Promise<PgConnection> {
    let target: PgConnection;
    try {
      target = parsePgUrl(url);
    } catch (error) {
      throw new TargetUrlInvalidError(error instanceof PostgresToolError ? error.message.replace(/^the database URL /, '') : 'is not a valid URL');
    }
    if (await sameDatabase(target, parsePgUrl(this.config.databaseUrl, 'any'))) throw new TargetProtectedError('catalog');
    if (await sameDatabase(target, parsePgUrl(this.config.sourceDatabaseUrl, 'any'))) throw new TargetProtectedError('platform');
    const info = await inspectTarget(target).catch((error: Error) => {
      throw new TargetUnreachableError(describePg(target), error.message.replace(/^cannot connect to the target database at \S+: /, ''));
    });
    if (!clean && info.userObjects > 0) throw new TargetNotEmptyError(info.database, info.userObjects);
    return target;
  }

  private copyAt(backup: BackupRecord, provider: ProviderName): BackupLocation {
    this.storage.require(provider);
    const location = backup.location(provider);
    if (location?.status !== LocationStatus.STORED) throw new NoCopyAtProviderError(backup.id, provider);
    return location;
  }

  /** The first stored copy in STORAGE_PROVIDERS order: the primary unless it lacks one. */
  private firstCopy(backup: BackupRecord): BackupLocation {
    for (const name of this.storage.names) {
      const location = backup.location(name);
      if (location?.status === LocationStatus.STORED) return location;
    }
    throw new NoCopyAtProviderError(backup.id, this.storage.names.join(' or '));
  }

  /** The request did not reach the queue: no record may stay behind to hold the target's lock. */
  private async undo(restore: DisasterRestore): Promise<void> {
    try {
      await this.em.fork().nativeDelete(DisasterRestore, { id: restore.id });
      await this.locks.release(restore.lockKey!, restore.id);
    } catch (error) {
      this.logger.error(`disaster restore ${restore.id} could not be undone after a failed enqueue: ${(error as Error).message}`);
    }
  }
}
