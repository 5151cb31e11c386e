import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ArchiveError, readArchive } from '../../../libs/archive';
import { unsealStream } from '../../../libs/archive/sealed-archive';
import { CryptoError, KeyRing } from '../../../libs/crypto';
import type { ProviderName } from '../../../libs/storage/storage.port';
import { ImportProgress, ImportResult, importTenant } from '../../../libs/tenant-data';
import { DomainEvents } from '../../common/domain-events';
import { Cancellation } from '../../common/cancellation';
import { everyInterval, heartbeatIntervalMs } from '../../common/heartbeat';
import { KEY_RING } from '../../common/key-ring.token';
import { APP_CONFIG, AppConfig } from '../../config';
import { BackupRecord, BackupsService } from '../backups';
import { PlatformDatabase } from '../platform';
import { StorageService } from '../storage';
import { TenantBusyError, TenantLocksService } from '../tenant-locks';
import { assertRestorableInto } from './restorable-backup';
import { RestoreItem } from './restore-item.entity';
import { RestoreOperation } from './restore-operation.entity';
import { RestoreValidator } from './restore-validator.service';
import { RestoreItemStatus, RestoreStatus } from './restore.types';
import { PreRestoreSnapshotError, RestoreAbortedError, RestoreNotFoundError, RestoreValidationError } from './restores.errors';

/** A tenant's progress: validation up to here, the pre-restore snapshot up to SNAPSHOT_TAKEN, then the import. */
const VALIDATED = 10;
const SNAPSHOT_TAKEN = 40;

export interface RestoreProgress {
  /** The whole operation, 0–100. */
  percent: number;
  tenantId: string;
  phase: string;
}
export type RestoreProgressReporter = (progress: RestoreProgress) => void | Promise<void>;

/**
 * Runs a restore operation, one tenant at a time: lock → validate → PRE_RESTORE snapshot → import in one
 * transaction. A tenant's failure is recorded on its item and the next tenant goes on. Used by the queue's
 * processor and by the CLI.
 */
@Injectable()
export class RestoreRunner {
  private readonly logger = new Logger(RestoreRunner.name);

  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KEY_RING) private readonly keyRing: KeyRing,
    private readonly storage: StorageService,
    private readonly platform: PlatformDatabase,
    private readonly locks: TenantLocksService,
    private readonly backups: BackupsService,
    private readonly validator: RestoreValidator,
    private readonly events: DomainEvents,
  ) {}

  async run(restoreId: string, report: RestoreProgressReporter = () => undefined): Promise<RestoreOperation> {
    const em = this.em.fork();
    const operation = await em.getRepository(RestoreOperation).findOneWithItems(restoreId);
    if (!operation) throw new RestoreNotFoundError(restoreId);
    if (operation.isFinished) return operation; // a duplicate delivery of a settled job
    // The heartbeat also brings an operator's cancel request, from whichever process it was made in.
    const cancellation = new Cancellation();
    const stopHeartbeat = everyInterval(heartbeatIntervalMs(this.config), async () => {
      const rows = await this.em.getConnection().execute<{ cancel_requested_by: string | null }[]>(
        'update restore_operations set heartbeat_at = now() where id = ? and status = ? returning cancel_requested_by',
        [restoreId, RestoreStatus.IN_PROGRESS],
      );
      if (rows[0]?.cancel_requested_by) cancellation.request(rows[0].cancel_requested_by);
    });
    try {
      operation.start();
      await em.flush();
      for (const item of operation.items) {
        if (item.isFinished) continue;
        const cancelled = cancellation.error;
        if (cancelled) await this.failItem(em, operation, item, `${cancelled.message} before this tenant was restored; it is unchanged`, { announce: false });
        else if (item.status === RestoreItemStatus.IN_PROGRESS) await this.interrupted(em, operation, item);
        else await this.restoreItem(em, operation, item, report, cancellation);
      }
      operation.settle();
      await em.flush();
      return operation;
    } catch (error) {
      await this.abort(restoreId, (error as Error).message);
      throw error;
    } finally {
      stopHeartbeat();
    }
  }

  private async restoreItem(em: EntityManager, operation: RestoreOperation, item: RestoreItem, report: RestoreProgressReporter, cancellation: Cancellation): Promise<void> {
    const tenantId = item.tenantId;
    try {
      // An INDIVIDUAL restore took the lock with its request and renews it here; the others take it in turn.
      await this.em.fork().transactional((tx) => this.locks.acquire(tx, tenantId, 'RESTORE', operation.id));
    } catch (error) {
      if (!(error instanceof TenantBusyError)) throw error;
      await this.failItem(em, operation, item, error.message);
      return;
    }
    const stopHeartbeat = this.locks.keepAlive(tenantId, operation.id);
    const progress = (percent: number, phase: string) => this.progress(em, operation, item, percent, phase, report);
    try {
      item.start();
      operation.refreshProgress();
      await em.flush();
      const backup = await this.backups.get(item.backupId!);
      assertRestorableInto(backup, tenantId);

      const provider = await this.chooseCopy(operation, backup);
      item.validated(provider);
      await progress(VALIDATED, operation.skipValidation ? 'validation skipped' : 'validated');

      const snapshot = await this.backups
        .takePreRestoreSnapshot(tenantId, operation.id, (p) => progress(VALIDATED + ((SNAPSHOT_TAKEN - VALIDATED) * p) / 100, 'pre-restore snapshot'))
        .catch((error: Error) => {
          throw new PreRestoreSnapshotError(error.message);
        });
      item.snapshotTaken(snapshot.id);
      await progress(SNAPSHOT_TAKEN, 'pre-restore snapshot taken');
      await em.flush();

      const result = await this.importCopy(operation, item, backup, provider, cancellation, (p) =>
        progress(SNAPSHOT_TAKEN + ((100 - SNAPSHOT_TAKEN) * p.tablesDone) / Math.max(p.tablesTotal, 1), `restoring ${p.table}`),
      );
      item.complete(result.rowsRestored);
      operation.refreshProgress();
      await em.flush();
      await report({ percent: operation.progress, tenantId, phase: 'restored' });
      this.events.emit({
        type: 'restore.completed',
        restoreId: operation.id,
        tenantId,
        backupId: backup.id,
        preRestoreBackupId: item.preRestoreBackupId,
        rowsRestored: Object.values(result.rowsRestored).reduce((sum, n) => sum + n, 0),
        initiatedBy: operation.initiatedBy,
      });
    } catch (error) {
      await this.failItem(em, operation, item, (error as Error).message, { announce: !cancellation.error });
    } finally {
      stopHeartbeat();
      await this.locks.release(tenantId, operation.id);
    }
  }

  /** The copy to restore from: the one validation chose, or with skipValidation the requested (else primary) copy. */
  private async chooseCopy(operation: RestoreOperation, backup: BackupRecord): Promise<ProviderName> {
    if (operation.skipValidation) {
      const copy = this.validator.copiesToTry(backup, operation.provider)[0];
      if (!copy) throw new RestoreValidationError([operation.provider ? `no stored copy at ${operation.provider}` : 'no stored copy at any configured provider']);
      return copy.provider;
    }
    const validation = await this.validator.validate(backup, operation.provider);
    if (!validation.valid) throw new RestoreValidationError(validation.problems);
    return validation.provider!;
  }

  /** Streams the copy into the platform database; any error rolls the tenant's single transaction back. */
  private async importCopy(operation: RestoreOperation, item: RestoreItem, backup: BackupRecord, provider: ProviderName, cancellation: Cancellation, onProgress: (p: ImportProgress) => Promise<void>): Promise<ImportResult> {
    cancellation.throwIfRequested();
    const stored = await this.storage.require(provider).get(backup.location(provider)!.key);
    const plain = unsealStream(stored, this.keyRing, { kind: 'tenant', tenantId: item.tenantId });
    // A cancel fails the archive being read: the import stops and its transaction rolls back.
    const stopListening = cancellation.onRequest((cancelled) => plain.stream.destroy(cancelled));
    try {
      return await importTenant(this.platform.connectionString, this.config.tenancy, item.tenantId, readArchive(plain.stream), {
        mode: operation.mode,
        onProgress,
        // Inside the import's transaction, so a failed check still leaves the tenant as it was.
        beforeCommit: async () => {
          cancellation.throwIfRequested();
          const sha256 = plain.storedSha256();
          if (sha256 !== backup.sha256) throw new ArchiveError('ARCHIVE.CONTENT_MISMATCH', `sha256 of the object read is ${sha256}, the catalog recorded ${backup.sha256}`);
          if (!(await this.locks.heartbeat(item.tenantId, operation.id))) throw new RestoreAbortedError('the tenant lock was taken over by another operation');
        },
      });
    } catch (error) {
      if (cancellation.error) throw new Error(`${cancellation.error.message}: the import was rolled back, the tenant is unchanged`, { cause: error });
      if (error instanceof CryptoError || error instanceof ArchiveError) {
        this.events.emit({ type: 'integrity.failure', backupId: backup.id, backupType: backup.type, tenantId: item.tenantId, provider, reason: error.message });
        throw new Error(`integrity check failed at ${provider}, the tenant is unchanged: ${error.message}`, { cause: error });
      }
      throw new Error(`import rolled back, the tenant is unchanged: ${(error as Error).message}`, { cause: error });
    } finally {
      stopListening();
      plain.stream.destroy();
    }
  }

  /**
   * The job was delivered again after its worker stopped mid-tenant. Not retried blindly: the import is one
   * transaction, so the tenant holds either its previous rows or the backup's, and the operator decides.
   */
  private async interrupted(em: EntityManager, operation: RestoreOperation, item: RestoreItem): Promise<void> {
    const snapshot = item.preRestoreBackupId ? `; pre-restore snapshot ${item.preRestoreBackupId} holds the rows from before` : '';
    await this.failItem(em, operation, item, `interrupted: the worker stopped while restoring this tenant; its import is one transaction, so the tenant holds either its previous rows or the backup's${snapshot}`);
    await this.locks.release(item.tenantId, operation.id);
  }

  /** `announce: false` for a cancel: an operator's choice is audited, not alerted on as a failure. */
  private async failItem(em: EntityManager, operation: RestoreOperation, item: RestoreItem, reason: string, options: { announce?: boolean } = {}): Promise<void> {
    this.logger.error(`restore ${operation.id} of tenant ${item.tenantId} failed: ${reason}`);
    item.fail(reason);
    operation.refreshProgress();
    await em.flush();
    if (options.announce !== false) this.events.emit({ type: 'restore.failed', restoreId: operation.id, tenantId: item.tenantId, backupId: item.backupId, reason, initiatedBy: operation.initiatedBy });
  }

  /**
   * Settles an operation that cannot go on (the catalog failed under it, its job died, an operator cancelled it) on a
   * fresh unit of work: tenants not yet restored fail with `reason`, their locks are freed. Used by the sweep too.
   */
  async abort(restoreId: string, reason: string, options: { announce?: boolean } = {}): Promise<void> {
    try {
      const em = this.em.fork();
      const operation = await em.getRepository(RestoreOperation).findOneWithItems(restoreId);
      if (!operation || operation.isFinished) return;
      const open = operation.items.getItems().filter((i) => !i.isFinished);
      operation.abort(`restore aborted: ${reason}`);
      await em.flush();
      for (const item of open) {
        await this.locks.release(item.tenantId, restoreId);
        if (options.announce !== false) this.events.emit({ type: 'restore.failed', restoreId, tenantId: item.tenantId, backupId: item.backupId, reason: item.errorMessage!, initiatedBy: operation.initiatedBy });
      }
    } catch (error) {
      this.logger.error(`restore ${restoreId} could not be settled after "${reason}": ${(error as Error).message}`);
    }
  }

  /** Progress only grows, and 100 is reached by completing, not by the last table. */
  private async progress(em: EntityManager, operation: RestoreOperation, item: RestoreItem, percent: number, phase: string, report: RestoreProgressReporter): Promise<void> {
    const value = Math.min(99, Math.floor(percent));
    if (value > item.progress) {
      item.progress = value;
      operation.refreshProgress();
      await em.nativeUpdate(RestoreItem, { id: item.id }, { progress: item.progress });
      await em.nativeUpdate(RestoreOperation, { id: operation.id }, { progress: operation.progress });
    }
    await report({ percent: operation.progress, tenantId: item.tenantId, phase });
  }
}
