import { EntityManager } from '@mikro-orm/postgresql';
import { Readable } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ArchiveError, createArchiveStream, readArchive } from '../../../libs/archive';
import { unsealStream } from '../../../libs/archive/sealed-archive';
import { CryptoError, KeyRing } from '../../../libs/crypto';
import type { ProviderName } from '../../../libs/storage/storage.port';
import { ImportProgress, ImportResult, importTenant, openTenantExport, tenantArchiveInput, TenantNotFoundError as TenantAbsentError } from '../../../libs/tenant-data';
import { DomainEvents } from '../../common/domain-events';
import { Cancellation } from '../../common/cancellation';
import { everyInterval, heartbeatIntervalMs } from '../../common/heartbeat';
import { KEY_RING } from '../../common/key-ring.token';
import { APP_CONFIG, AppConfig } from '../../config';
import { BackupRecord, BackupsService } from '../backups';
import { PlatformDatabase } from '../platform';
import { PointInTimeService } from '../point-in-time';
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
/** A point-in-time restore: the platform recovered in a scratch cluster up to here, then validation, snapshot, import. */
const PITR_RECOVERED = 45;
const PITR_VALIDATED = 50;
const PITR_SNAPSHOT_TAKEN = 65;

type Progress = (percent: number, phase: string) => Promise<void>;

/** The import's share of a tenant's progress: from `from` to 100, table by table. */
function importProgress(progress: Progress, from: number): (p: ImportProgress) => Promise<void> {
  return (p) => progress(from + ((100 - from) * p.tablesDone) / Math.max(p.tablesTotal, 1), `restoring ${p.table}`);
}

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
    private readonly pointInTime: PointInTimeService,
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
    const progress: Progress = (percent, phase) => this.progress(em, operation, item, percent, phase, report);
    try {
      item.start();
      operation.refreshProgress();
      await em.flush();
      const restored = item.targetTime ? await this.restoreToPointInTime(em, operation, item, progress, cancellation) : await this.restoreFromBackup(em, operation, item, progress, cancellation);
      item.complete(restored.result.rowsRestored);
      operation.refreshProgress();
      await em.flush();
      await report({ percent: operation.progress, tenantId, phase: 'restored' });
      this.events.emit({
        type: 'restore.completed',
        restoreId: operation.id,
        tenantId,
        backupId: restored.backupId,
        preRestoreBackupId: item.preRestoreBackupId,
        rowsRestored: Object.values(restored.result.rowsRestored).reduce((sum, n) => sum + n, 0),
        initiatedBy: operation.initiatedBy,
      });
    } catch (error) {
      await this.failItem(em, operation, item, (error as Error).message, { announce: !cancellation.error });
    } finally {
      stopHeartbeat();
      await this.locks.release(tenantId, operation.id);
    }
  }

  /** From a TENANT or PRE_RESTORE backup: validate a copy, snapshot the tenant, import the copy in one transaction. */
  private async restoreFromBackup(em: EntityManager, operation: RestoreOperation, item: RestoreItem, progress: Progress, cancellation: Cancellation): Promise<{ result: ImportResult; backupId: string }> {
    const tenantId = item.tenantId;
    const backup = await this.backups.get(item.backupId!);
    assertRestorableInto(backup, tenantId);

    const provider = await this.chooseCopy(operation, backup);
    item.validated(provider);
    await progress(VALIDATED, operation.skipValidation ? 'validation skipped' : 'validated');

    await this.snapshot(em, operation, item, progress, VALIDATED, SNAPSHOT_TAKEN);
    const result = await this.importCopy(operation, item, backup, provider, cancellation, importProgress(progress, SNAPSHOT_TAKEN));
    return { result, backupId: backup.id };
  }

  /**
   * As it was at the item's target time: the platform is recovered to that instant in a scratch cluster (removed
   * whatever happens), the tenant is read from it with the export engine, checked against the current schema, the
   * live tenant snapshotted, and the rows imported in one transaction, as from a backup. Other tenants are untouched.
   */
  private async restoreToPointInTime(em: EntityManager, operation: RestoreOperation, item: RestoreItem, progress: Progress, cancellation: Cancellation): Promise<{ result: ImportResult; backupId: string }> {
    const tenantId = item.tenantId;
    const at = item.targetTime!.toISOString();
    return this.pointInTime.withPlatformAt(
      item.targetTime!,
      operation.id,
      (phase, percent) => progress((PITR_RECOVERED * percent) / 100, `recovering the platform to ${at} in a scratch cluster: ${phase}`),
      async (platformAt) => {
        item.recoveredFrom(platformAt.baseBackupId);
        await em.flush();
        cancellation.throwIfRequested();
        const source = await openTenantExport(platformAt.connectionString, this.config.tenancy, tenantId).catch((error: Error) => {
          throw error instanceof TenantAbsentError ? new RestoreValidationError([`tenant ${tenantId} did not exist at ${at}`]) : error;
        });
        try {
          const input = tenantArchiveInput(source, tenantId, operation.id, item.targetTime!);
          if (!operation.skipValidation) {
            const problems = await this.validator.schemaProblems(input.manifest.tables);
            if (problems.length > 0) throw new RestoreValidationError(problems);
          }
          const reached = platformAt.reachedBy === 'end-of-archive' ? ' (no commit after it was archived: the end of the archive is that state)' : '';
          await progress(PITR_VALIDATED, `${operation.skipValidation ? 'validation skipped' : 'validated'}: the tenant as of ${at}, from base backup ${platformAt.baseBackupId}${reached}`);
          await this.snapshot(em, operation, item, progress, PITR_VALIDATED, PITR_SNAPSHOT_TAKEN);
          cancellation.throwIfRequested();
          const archive = createArchiveStream(input.manifest, input.tables());
          const result = await this.importStream(operation, item, archive.stream, cancellation, importProgress(progress, PITR_SNAPSHOT_TAKEN));
          return { result, backupId: platformAt.baseBackupId };
        } finally {
          await source.close();
        }
      },
    );
  }

  /** The PRE_RESTORE snapshot: without it there is no way back, so its failure leaves the tenant untouched. */
  private async snapshot(em: EntityManager, operation: RestoreOperation, item: RestoreItem, progress: Progress, from: number, to: number): Promise<void> {
    const snapshot = await this.backups
      .takePreRestoreSnapshot(item.tenantId, operation.id, (p) => progress(from + ((to - from) * p) / 100, 'pre-restore snapshot'))
      .catch((error: Error) => {
        throw new PreRestoreSnapshotError(error.message);
      });
    item.snapshotTaken(snapshot.id);
    await progress(to, 'pre-restore snapshot taken');
    await em.flush();
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
    return this.importStream(operation, item, plain.stream, cancellation, onProgress, {
      checkBeforeCommit: () => {
        const sha256 = plain.storedSha256();
        if (sha256 !== backup.sha256) throw new ArchiveError('ARCHIVE.CONTENT_MISMATCH', `sha256 of the object read is ${sha256}, the catalog recorded ${backup.sha256}`);
      },
      integrityFailure: (error) => {
        if (!(error instanceof CryptoError || error instanceof ArchiveError)) return undefined;
        this.events.emit({ type: 'integrity.failure', backupId: backup.id, backupType: backup.type, tenantId: item.tenantId, provider, reason: error.message });
        return new Error(`integrity check failed at ${provider}, the tenant is unchanged: ${error.message}`, { cause: error });
      },
    });
  }

  /**
   * Imports one tenant archive in one transaction, whatever its source (a stored copy, a point-in-time export). A cancel
   * destroys the stream being read, so the import stops and its transaction rolls back; just before commit, inside the
   * transaction, the cancel, the source's own check and the tenant lock are checked once more.
   */
  private async importStream(
    operation: RestoreOperation,
    item: RestoreItem,
    stream: Readable,
    cancellation: Cancellation,
    onProgress: (p: ImportProgress) => Promise<void>,
    source: { checkBeforeCommit?: () => void; integrityFailure?: (error: unknown) => Error | undefined } = {},
  ): Promise<ImportResult> {
    const stopListening = cancellation.onRequest((cancelled) => stream.destroy(cancelled));
    try {
      return await importTenant(this.platform.connectionString, this.config.tenancy, item.tenantId, readArchive(stream), {
        mode: operation.mode,
        onProgress,
        beforeCommit: async () => {
          cancellation.throwIfRequested();
          source.checkBeforeCommit?.();
          if (!(await this.locks.heartbeat(item.tenantId, operation.id))) throw new RestoreAbortedError('the tenant lock was taken over by another operation');
        },
      });
    } catch (error) {
      if (cancellation.error) throw new Error(`${cancellation.error.message}: the import was rolled back, the tenant is unchanged`, { cause: error });
      throw source.integrityFailure?.(error) ?? new Error(`import rolled back, the tenant is unchanged: ${(error as Error).message}`, { cause: error });
    } finally {
      stopListening();
      stream.destroy();
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

  /** Progress only grows, and 100 is reached by completing, not by the last table. The item shows its phase. */
  private async progress(em: EntityManager, operation: RestoreOperation, item: RestoreItem, percent: number, phase: string, report: RestoreProgressReporter): Promise<void> {
    const value = Math.min(99, Math.floor(percent));
    if (value > item.progress || phase !== item.phase) {
      item.progress = Math.max(item.progress, value);
      item.phase = phase;
      operation.refreshProgress();
      await em.nativeUpdate(RestoreItem, { id: item.id }, { progress: item.progress, phase });
      await em.nativeUpdate(RestoreOperation, { id: operation.id }, { progress: operation.progress });
    }
    await report({ percent: operation.progress, tenantId: item.tenantId, phase });
  }
}
