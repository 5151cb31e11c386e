import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { tenantBackupKey } from '../../../libs/storage';
import { DomainError } from '../../common/domain-error';
import { APP_CONFIG, AppConfig } from '../../config';
import { PlatformDatabase } from '../platform/platform-database.service';
import { TenantBusyError } from '../tenant-locks/tenant-locks.errors';
import { TenantLocksService } from '../tenant-locks/tenant-locks.service';
import { BackupRecord } from './backup.entity';
import { BackupType } from './backup.types';
import { BackupNotFoundError } from './backups.errors';
import { BackupJob, backupJobId, QueueName, RunBackupPayload } from './backups.jobs';

export interface BulkBackupResult {
  accepted: BackupRecord[];
  skipped: { tenantId: string; reason: string }[];
}

/** Requests and queries of tenant backups; the work itself runs in BackupsProcessor. */
@Injectable()
export class BackupsService {
  private readonly logger = new Logger(BackupsService.name);

  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly platform: PlatformDatabase,
    private readonly locks: TenantLocksService,
    @InjectQueue(QueueName.BACKUPS) private readonly queue: Queue<RunBackupPayload>,
  ) {}

  /**
   * Creates a PENDING record holding the tenant's lock, then enqueues it. A tenant already being backed up or
   * restored answers TenantBusyError (409).
   */
  async requestTenantBackup(tenantId: string, initiatedBy: string, idempotencyKey?: string): Promise<BackupRecord> {
    await this.platform.assertTenantExists(tenantId);
    const em = this.em.fork();
    const record = BackupRecord.create({
      type: BackupType.TENANT,
      tenantId,
      initiatedBy,
      idempotencyKey,
      providers: this.config.storage.providers,
      objectKey: (r) => tenantBackupKey(tenantId, r.id, r.createdAt),
    });
    await em.transactional(async (tx) => {
      await this.locks.acquire(tx, tenantId, 'BACKUP', record.id);
      tx.persist(record);
    });
    await this.enqueue(em, record);
    return record;
  }

  /** All active tenants (or the listed ones) now; busy or unknown tenants are reported, not fatal. */
  async requestBulkBackup(initiatedBy: string, tenantIds?: string[]): Promise<BulkBackupResult> {
    const targets = tenantIds ?? (await this.platform.activeTenantIds());
    const result: BulkBackupResult = { accepted: [], skipped: [] };
    for (const tenantId of new Set(targets)) {
      try {
        result.accepted.push(await this.requestTenantBackup(tenantId, initiatedBy));
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        result.skipped.push({ tenantId, reason: error.message });
      }
    }
    return result;
  }

  /**
   * The daily cron's work. Idempotency keys per tenant and day make N replicas (or a re-run) produce one backup
   * per tenant: the second insert of a key fails and is skipped.
   */
  async enqueueScheduled(day: Date): Promise<BulkBackupResult> {
    const date = day.toISOString().slice(0, 10);
    const result: BulkBackupResult = { accepted: [], skipped: [] };
    for (const tenantId of await this.platform.activeTenantIds()) {
      const idempotencyKey = `daily:${date}:${tenantId}`;
      const existing = await this.em.fork().findOne(BackupRecord, { idempotencyKey });
      if (existing) {
        result.skipped.push({ tenantId, reason: `already scheduled as ${existing.id}` });
        continue;
      }
      try {
        result.accepted.push(await this.requestTenantBackup(tenantId, 'scheduler', idempotencyKey));
      } catch (error) {
        if (error instanceof UniqueConstraintViolationException || error instanceof TenantBusyError) {
          result.skipped.push({ tenantId, reason: error instanceof TenantBusyError ? error.message : 'already scheduled by another replica' });
          continue;
        }
        throw error;
      }
    }
    this.logger.log(`scheduled backups for ${date}: ${result.accepted.length} enqueued, ${result.skipped.length} skipped`);
    return result;
  }

  async get(backupId: string, types: BackupType[] = [BackupType.TENANT, BackupType.PRE_RESTORE]): Promise<BackupRecord> {
    const record = await this.em.fork().getRepository(BackupRecord).findOneWithLocations(backupId);
    if (!record || !types.includes(record.type)) throw new BackupNotFoundError(backupId);
    return record;
  }

  listForTenant(tenantId: string, limit: number, offset: number): Promise<[BackupRecord[], number]> {
    return this.em.fork().getRepository(BackupRecord).findPage({ type: [BackupType.TENANT, BackupType.PRE_RESTORE], tenantId }, limit, offset);
  }

  private async enqueue(em: EntityManager, record: BackupRecord): Promise<void> {
    try {
      await this.queue.add(BackupJob.RUN, { backupId: record.id }, { jobId: backupJobId(record.id) });
    } catch (error) {
      // Without a job nobody would ever finish the record or free the tenant.
      record.fail(`could not enqueue: ${(error as Error).message}`);
      await em.flush();
      await this.locks.release(record.tenantId!, record.id);
      throw error;
    }
  }
}
