import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { tenantBackupKey } from '../../../libs/storage';
import { ENQUEUE_TIMEOUT_MS, QueueUnavailableError } from '../../common/queueing';
import { APP_CONFIG, AppConfig } from '../../config';
import { PlatformDatabase, TenantNotFoundError } from '../platform';
import { TenantBusyError, TenantLock, TenantLocksService } from '../tenant-locks';
import { BackupRecord } from './backup.entity';
import { BackupType } from './backup.types';
import { BackupJob, backupJobId, QueueName, RunBackupPayload } from './backups.jobs';

/** Tenants accepted (their PENDING records) and those left out, with the reason. */
export interface BulkBackupResult {
  accepted: BackupRecord[];
  skipped: { tenantId: string; reason: string }[];
}

/** Records, locks and jobs per statement or Redis round trip. */
const BATCH = 1000;
/** A second replica's records can appear between our idempotency check and our insert; the check is then run again. */
const ATTEMPTS = 3;

/**
 * TENANT backups of many tenants in one request (POST /backups/tenants, the daily cron): one query for which tenants
 * exist, their records and locks inserted in batches in one transaction, their jobs added with addBulk. "No
 * duplicates": a tenant whose lock is held (a backup or restore of it is queued or running, whoever asked) is skipped
 * as busy, so repeating a bulk request while the first one's backups wait creates nothing; a scheduled backup whose
 * idempotency key (`daily:<date>:<tenant>`) exists already is skipped, so the cron backs each tenant up once a day
 * however many replicas fire it and however often it runs.
 */
@Injectable()
export class BulkBackupRequests {
  private readonly logger = new Logger(BulkBackupRequests.name);

  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly platform: PlatformDatabase,
    private readonly locks: TenantLocksService,
    @InjectQueue(QueueName.BACKUPS) private readonly queue: Queue<RunBackupPayload>,
  ) {}

  /** All active tenants, or the listed ones (unknown ones are skipped). */
  async request(initiatedBy: string, tenantIds?: string[]): Promise<BulkBackupResult> {
    if (!tenantIds) return this.requestAll((await this.platform.activeTenantIds()).map((tenantId) => ({ tenantId })), initiatedBy);
    const listed = [...new Set(tenantIds.map((id) => id.toLowerCase()))];
    const existing = await this.platform.existingTenantIds(listed);
    const result = await this.requestAll(listed.filter((id) => existing.has(id)).map((tenantId) => ({ tenantId })), initiatedBy);
    const unknown = listed.filter((id) => !existing.has(id)).map((tenantId) => ({ tenantId, reason: new TenantNotFoundError(tenantId).message }));
    return { accepted: result.accepted, skipped: [...unknown, ...result.skipped] };
  }

  /** Every active tenant's backup of the day `date` (YYYY-MM-DD), once. */
  async scheduled(date: string): Promise<BulkBackupResult> {
    const tenantIds = await this.platform.activeTenantIds();
    return this.requestAll(tenantIds.map((tenantId) => ({ tenantId, idempotencyKey: `daily:${date}:${tenantId}` })), 'scheduler');
  }

  private async requestAll(targets: { tenantId: string; idempotencyKey?: string }[], initiatedBy: string): Promise<BulkBackupResult> {
    // Every replica locks tenants in the same order, so two bulk requests wait for each other rather than deadlock.
    const sorted = [...targets].sort((a, b) => (a.tenantId < b.tenantId ? -1 : a.tenantId > b.tenantId ? 1 : 0));
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.insert(sorted, initiatedBy);
        await this.enqueue(result.accepted);
        return result;
      } catch (error) {
        if (!(error instanceof UniqueConstraintViolationException) || attempt === ATTEMPTS) throw error;
      }
    }
  }

  /** One transaction: skip used idempotency keys, take the free locks, insert the records of the tenants locked. */
  private async insert(targets: { tenantId: string; idempotencyKey?: string }[], initiatedBy: string): Promise<BulkBackupResult> {
    return this.em.fork().transactional(async (tx) => {
      const skipped: BulkBackupResult['skipped'] = [];
      const used = await this.usedIdempotencyKeys(tx, targets.flatMap((t) => (t.idempotencyKey ? [t.idempotencyKey] : [])));
      const records = targets.flatMap(({ tenantId, idempotencyKey }) => {
        const previous = idempotencyKey && used.get(idempotencyKey);
        if (previous) {
          skipped.push({ tenantId, reason: `already scheduled as ${previous}` });
          return [];
        }
        return [
          BackupRecord.create({
            type: BackupType.TENANT,
            tenantId,
            initiatedBy,
            idempotencyKey,
            providers: this.config.storage.providers,
            objectKey: (r) => tenantBackupKey(r.tenantId!, r.id, r.createdAt),
          }),
        ];
      });
      const locked = await this.locks.acquireMany(tx, BackupType.TENANT, records.map((r) => ({ tenantId: r.tenantId!, operationId: r.id })));
      const accepted = records.filter((r) => locked.has(r.tenantId!));
      const busy = records.filter((r) => !locked.has(r.tenantId!)).map((r) => r.tenantId!);
      const holders = await this.holders(tx, busy);
      for (const tenantId of busy) {
        const holder = holders.get(tenantId);
        skipped.push({ tenantId, reason: new TenantBusyError(tenantId, holder?.operation ?? 'another operation', holder?.operationId ?? 'unknown').message });
      }
      for (let i = 0; i < accepted.length; i += BATCH) {
        const batch = accepted.slice(i, i + BATCH);
        await tx.insertMany(batch);
        await tx.insertMany(batch.flatMap((r) => r.locations.getItems()));
      }
      return { accepted, skipped };
    });
  }

  /** Adds the jobs with addBulk; if Redis does not take them in time, the records and locks are removed again (503). */
  private async enqueue(records: BackupRecord[]): Promise<void> {
    let added = 0;
    try {
      for (; added < records.length; added += BATCH) {
        const jobs = records.slice(added, added + BATCH).map((r) => ({ name: BackupJob.RUN, data: { backupId: r.id }, opts: { jobId: backupJobId(r.id) } }));
        await withinEnqueueTimeout(this.queue, (this.queue as unknown as Queue).addBulk(jobs));
      }
    } catch (error) {
      await this.undo(records, added);
      throw error;
    }
  }

  /** Nothing of a request that did not reach the queue may stay behind: its records, locks, and the jobs added before the failure. */
  private async undo(records: BackupRecord[], jobsAdded: number): Promise<void> {
    try {
      await this.em.fork().transactional(async (tx) => {
        await this.locks.releaseManyWithin(tx, records.map((r) => ({ tenantId: r.tenantId!, operationId: r.id })));
        for (let i = 0; i < records.length; i += BATCH) await tx.nativeDelete(BackupRecord, { id: { $in: records.slice(i, i + BATCH).map((r) => r.id) } });
      });
      await Promise.all(records.slice(0, jobsAdded).map((r) => this.queue.remove(backupJobId(r.id)).catch(() => undefined)));
    } catch (error) {
      // The catalog is failing too: the sweep ends the records later (no job), so they cannot block for long.
      this.logger.error(`${records.length} bulk-requested backups could not be undone after a failed enqueue: ${(error as Error).message}`);
    }
  }

  private async usedIdempotencyKeys(tx: EntityManager, keys: string[]): Promise<Map<string, string>> {
    const used = new Map<string, string>();
    for (let i = 0; i < keys.length; i += BATCH) {
      const found = await tx.find(BackupRecord, { idempotencyKey: { $in: keys.slice(i, i + BATCH) } }, { fields: ['id', 'idempotencyKey'] });
      for (const record of found) used.set(record.idempotencyKey!, record.id);
    }
    return used;
  }

  private async holders(tx: EntityManager, tenantIds: string[]): Promise<Map<string, TenantLock>> {
    const holders = new Map<string, TenantLock>();
    for (let i = 0; i < tenantIds.length; i += BATCH) {
      for (const lock of await tx.find(TenantLock, { tenantId: { $in: tenantIds.slice(i, i + BATCH) } })) holders.set(lock.tenantId, lock);
    }
    return holders;
  }
}

/** Fails with QueueUnavailableError (503) when Redis has not taken the jobs within ENQUEUE_TIMEOUT_MS, as addJob does for one. */
async function withinEnqueueTimeout<T>(queue: Queue, adding: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  adding.catch(() => undefined); // once the timeout has answered, a late failure has nobody to tell
  try {
    return await Promise.race([
      adding,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new QueueUnavailableError(queue.name, `Redis did not answer within ${ENQUEUE_TIMEOUT_MS} ms`)), ENQUEUE_TIMEOUT_MS))),
    ]);
  } catch (error) {
    if (error instanceof QueueUnavailableError) throw error;
    throw new QueueUnavailableError(queue.name, (error as Error).message);
  } finally {
    clearTimeout(timer);
  }
}
