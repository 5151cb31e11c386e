import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Readable } from 'node:stream';
import { CryptoError, KeyRing, openSealedObject, SealedObject } from '../../../libs/crypto';
import type { Principal } from '../../common/auth';
import { DomainEvents } from '../../common/domain-events';
import { KEY_RING } from '../../common/key-ring.token';
import { addJob } from '../../common/queueing';
import { APP_CONFIG, AppConfig } from '../../config';
import { BackupRecord, BackupsService, BackupStatus, BackupType, RunBackupPayload } from '../backups';
import { PlatformDatabase } from '../platform';
import { StorageService } from '../storage';
import { CustomerExportExpiry } from './customer-export-expiry.service';
import { CustomerExport, ExpiryReason } from './customer-export.entity';
import {
  CustomerExportExpiredError,
  CustomerExportNotFoundError,
  CustomerExportNotReadyError,
  CustomerExportsDisabledError,
  CustomerExportStorageMissingError,
  CustomerExportUnreadableError,
  DailyExportLimitError,
} from './customer-self-backup.errors';
import { CustomerExportJob, customerExportJobId, CustomerExportQueue } from './customer-self-backup.jobs';
import { nextUtcDay, utcDay } from './export-day';

/** Exports live on this provider only (SPEC §3): close to the API that serves the downloads. */
const EXPORT_PROVIDER = 'local';

export interface DailyAllowance {
  limit: number;
  usedToday: number;
  /** Now while the allowance lasts, else the next UTC midnight. */
  nextExportAllowedAt: Date;
}

/** A completed export opened for download: its plaintext (the zip) is decrypted on the fly, any range of it. */
export interface ExportDownload {
  fileName: string;
  /** Bytes of the zip: what a whole download sends. */
  size: number;
  etag: string;
  lastModified: Date;
  /** Zip bytes `start` to `end`, both inclusive. */
  read(start: number, end: number): Promise<Readable>;
}

/**
 * A tenant's self-service exports (SPEC §3 CUSTOMER, §6 tenant routes): requests under the daily allowance, status,
 * history, and downloads. Every method takes the tenant from the caller's token; an export of another tenant is
 * reported exactly as a missing one.
 */
@Injectable()
export class CustomerExportsService {
  private readonly logger = new Logger(CustomerExportsService.name);

  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KEY_RING) private readonly keyRing: KeyRing,
    private readonly backups: BackupsService,
    private readonly platform: PlatformDatabase,
    private readonly storage: StorageService,
    private readonly expiry: CustomerExportExpiry,
    private readonly events: DomainEvents,
    @InjectQueue(CustomerExportQueue.EXPORTS) private readonly queue: Queue<RunBackupPayload>,
  ) {}

  /**
   * Requests today's export. The allowance is taken in the same step that enqueues the job, under the (tenant, day)
   * row lock: when it is used up, DailyExportLimitError (429) and the Backups request undoes its record.
   */
  async create(principal: Principal): Promise<CustomerExport> {
    const tenantId = tenantOf(principal);
    const limit = this.config.customerBackupDailyLimit;
    if (limit === 0) throw new CustomerExportsDisabledError();
    if (!this.storage.names.includes(EXPORT_PROVIDER)) {
      this.logger.error(`a customer export was requested but STORAGE_PROVIDERS does not include ${EXPORT_PROVIDER}, where exports are kept`);
      throw new CustomerExportStorageMissingError();
    }
    await this.platform.assertTenantExists(tenantId);
    const record = await this.backups.request({
      type: BackupType.CUSTOMER,
      tenantId,
      initiatedBy: principal.sub,
      providers: [EXPORT_PROVIDER],
      enqueue: async (record) => {
        await this.reserve(record, limit);
        await addJob(this.queue, CustomerExportJob.RUN, { backupId: record.id }, { jobId: customerExportJobId(record.id) });
      },
    });
    const created = await this.em.fork().getRepository(CustomerExport).findOfTenant(tenantId, record.id);
    if (!created) throw new CustomerExportNotFoundError(record.id);
    return created;
  }

  /** The newest export and the day's allowance. */
  async status(principal: Principal, now: Date = new Date()): Promise<{ latest: CustomerExport | null; allowance: DailyAllowance }> {
    const tenantId = tenantOf(principal);
    const repository = this.em.fork().getRepository(CustomerExport);
    const latest = await repository.findLatestOfTenant(tenantId);
    const usedToday = await repository.countUsed(tenantId, utcDay(now));
    const limit = this.config.customerBackupDailyLimit;
    return { latest, allowance: { limit, usedToday, nextExportAllowedAt: usedToday < limit ? now : nextUtcDay(now) } };
  }

  /** Newest first. */
  history(principal: Principal, limit: number, offset: number): Promise<[CustomerExport[], number]> {
    return this.em.fork().getRepository(CustomerExport).findPageOfTenant(tenantOf(principal), limit, offset);
  }

  /**
   * Opens a completed export of the caller's tenant: its header is checked (sealed for this tenant, key known) before
   * anything is promised to the client. 404 unknown or another tenant's, 409 not completed, 410 expired or deleted.
   */
  async openDownload(principal: Principal, backupId: string, now: Date = new Date()): Promise<ExportDownload> {
    const tenantId = tenantOf(principal);
    const row = await this.em.fork().getRepository(CustomerExport).findOfTenant(tenantId, backupId);
    if (!row) throw new CustomerExportNotFoundError(backupId);
    const status = row.statusAt(now);
    if (status === BackupStatus.EXPIRED) throw new CustomerExportExpiredError(backupId);
    if (status !== BackupStatus.COMPLETED) throw new CustomerExportNotReadyError(backupId, status);
    const record = row.backup;
    const local = this.storage.require(EXPORT_PROVIDER);
    const key = record.objectKey;
    // Gone meanwhile: deleted after another complete download, or expired by a job that had not marked it yet.
    const stored = await local.head(key);
    if (!stored) throw new CustomerExportExpiredError(backupId);
    let sealed: SealedObject;
    try {
      sealed = await openSealedObject(this.keyRing, (start, end) => local.get(key, { start, end }), stored.size, { kind: 'tenant', tenantId });
    } catch (error) {
      if (!(error instanceof CryptoError)) throw error;
      this.reportUnreadable(record, error);
      throw new CustomerExportUnreadableError(backupId);
    }
    return {
      fileName: `tenant-${tenantId}-export-${utcDay(record.createdAt)}.zip`,
      size: sealed.plaintextSize,
      etag: `"${record.sha256}"`,
      lastModified: record.completedAt ?? record.createdAt,
      read: async (start, end) => {
        const stream = await sealed.range(start, end);
        stream.once('error', (error) => {
          if (error instanceof CryptoError) this.reportUnreadable(record, error);
        });
        return stream;
      },
    };
  }

  /**
   * A response delivered the export's last byte: one more complete download, and with
   * CUSTOMER_BACKUP_DELETE_AFTER_DOWNLOAD its file goes now. Called after the response; failures are logged.
   */
  async downloadCompleted(principal: Principal, backupId: string, now: Date = new Date()): Promise<void> {
    try {
      const repository = this.em.fork().getRepository(CustomerExport);
      await repository.countDownload(backupId, now);
      if (!this.config.customerExports.deleteAfterDownload) return;
      const row = await repository.findOfTenant(tenantOf(principal), backupId);
      if (row && !row.expiredAt) await this.expiry.expire(row, ExpiryReason.DOWNLOADED, { actor: principal.sub, actorRole: principal.role }, now);
    } catch (error) {
      this.logger.error(`completed download of customer export ${backupId} not recorded: ${(error as Error).message}`);
    }
  }

  /** Under the (tenant, day) lock, in its own transaction: the export's row is the allowance it uses. */
  private async reserve(record: BackupRecord, limit: number): Promise<void> {
    await this.em.fork().transactional(async (tx) => {
      const row = CustomerExport.reserve(record, this.config.customerExports.ttlHours);
      const used = await tx.getRepository(CustomerExport).lockDayAndCountUsed(row.tenantId, row.day);
      if (used >= limit) throw new DailyExportLimitError(limit, nextUtcDay(record.createdAt), record.createdAt);
      tx.persist(row);
    });
  }

  /** A stored export that does not open is an integrity failure for operators; the client learns no details. */
  private reportUnreadable(record: BackupRecord, error: CryptoError): void {
    this.logger.error(`customer export ${record.id} does not open: ${error.message}`);
    this.events.emit({ type: 'integrity.failure', backupId: record.id, backupType: record.type, tenantId: record.tenantId, provider: EXPORT_PROVIDER, reason: error.message });
  }
}

/** The token's tenant, the only one a tenant user may act on (the guard admits tenant tokens only with one). */
function tenantOf(principal: Principal): string {
  if (!principal.tenantId) throw new Error(`principal ${principal.sub} has no tenant`);
  return principal.tenantId;
}
