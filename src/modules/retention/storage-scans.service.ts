import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { parseBackupKey, sidecarKeyFor, StoragePort, StoredObjectInfo } from '../../../libs/storage';
import { runExclusively } from '../../common/cron';
import { DomainEvents } from '../../common/domain-events';
import { addJob } from '../../common/queueing';
import { APP_CONFIG, AppConfig } from '../../config';
import { BackupLocation, BackupRecord, BackupStatus, LocationStatus } from '../backups';
import { StorageService } from '../storage';
import { RunStatus } from './background-run';
import { RetentionJob, RetentionQueue, RunPayload, dailyJobId } from './retention.jobs';
import { RunNotFoundError } from './retention.errors';
import { enqueueRun, inParallel, keepRunAlive } from './run-lifecycle';
import { MAX_LISTED_KEYS, ProviderScan, ScanKind, StorageScan } from './storage-scan.entity';

const HOUR_MS = 3_600_000;
/** Listed objects looked up in the catalog at a time, and completed backups checked for vanished objects at a time. */
const BATCH = 500;
const HEAD_CONCURRENCY = 8;
/** A record in one of these states has no live object: what is left of it is garbage once the grace period has passed. */
const DEAD = [BackupStatus.DELETED, BackupStatus.FAILED, BackupStatus.EXPIRED];
/** How a flagged copy's error starts. */
const VANISHED = 'object vanished';

class StorageScanBusyError extends Error {}

/**
 * Scans of the providers against the catalog, run by a worker: recounts (every object and byte, for /storage/status),
 * and orphan sweeps. A sweep removes, at every provider, what is older than ORPHAN_GRACE_HOURS and belongs to no live
 * backup: objects and sidecars whose record is DELETED, FAILED or EXPIRED, or missing while no sidecar sits beside them
 * (an object with a sidecar is a backup the catalog lost: kept, counted, for `catalog rebuild`); unfinished uploads
 * (local `.partial` files, S3 multipart uploads). It flags completed backups none of whose objects is left. A dry run
 * lists the same without touching anything. One scan at a time across replicas.
 */
@Injectable()
export class StorageScans {
  private readonly logger = new Logger(StorageScans.name);

  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly storage: StorageService,
    private readonly events: DomainEvents,
    @InjectQueue(RetentionQueue.MAINTENANCE) private readonly queue: Queue<RunPayload>,
  ) {}

  requestSweep(dryRun: boolean, initiatedBy: string): Promise<StorageScan> {
    return enqueueRun(this.em, StorageScan.sweep(dryRun, this.config.maintenance.orphanGraceHours, initiatedBy), this.queue, RetentionJob.STORAGE_SCAN);
  }

  /** A recount already queued or running is answered instead of a second one. */
  async requestRecount(initiatedBy: string): Promise<StorageScan> {
    const active = await this.em.fork().findOne(StorageScan, { kind: ScanKind.RECOUNT, status: { $in: [RunStatus.PENDING, RunStatus.RUNNING] } });
    return active ?? enqueueRun(this.em, StorageScan.recount(initiatedBy), this.queue, RetentionJob.STORAGE_SCAN);
  }

  /** The daily orphan sweep (ORPHAN_SWEEP_CRON), a real one; the job creates its scan. */
  enqueueScheduled(day: Date): Promise<void> {
    return addJob(this.queue, RetentionJob.STORAGE_SCAN, {}, { jobId: dailyJobId(RetentionJob.STORAGE_SCAN, day) });
  }

  async get(scanId: string): Promise<StorageScan> {
    const scan = await this.em.fork().findOne(StorageScan, { id: scanId });
    if (!scan) throw new RunNotFoundError('Storage scan', scanId);
    return scan;
  }

  /** The worker's side; `now` decides what the grace period has passed for (tests move it). */
  async execute(scanId: string | undefined, now: Date = new Date()): Promise<StorageScan | undefined> {
    const done = await runExclusively(this.em, 'storage-scan', async () => (await this.executeAlone(scanId, now)) ?? null);
    if (done === undefined) throw new StorageScanBusyError('another storage scan is in progress; this one is retried later');
    return done ?? undefined;
  }

  private async executeAlone(scanId: string | undefined, now: Date): Promise<StorageScan | undefined> {
    const em = this.em.fork();
    const scan = scanId ? await em.findOne(StorageScan, { id: scanId }) : StorageScan.sweep(false, this.config.maintenance.orphanGraceHours, 'scheduler');
    if (!scan || scan.isFinished) return scan ?? undefined;
    scan.start();
    await em.persistAndFlush(scan);
    const stopHeartbeat = keepRunAlive(this.em, this.config, StorageScan, scan.id);
    try {
      if (scan.kind === ScanKind.RECOUNT) scan.providers = await Promise.all(this.storage.providers.map((adapter) => this.recount(adapter)));
      else await this.sweep(scan, now);
      scan.complete();
    } catch (error) {
      scan.fail((error as Error).message);
    } finally {
      stopHeartbeat();
      await em.flush();
    }
    return scan;
  }

  private async recount(adapter: StoragePort): Promise<ProviderScan> {
    try {
      return { provider: adapter.name, ...(await adapter.usage()) };
    } catch (error) {
      return { provider: adapter.name, error: (error as Error).message };
    }
  }

  private async sweep(scan: StorageScan, now: Date): Promise<void> {
    scan.evaluatedAt = now;
    const olderThan = new Date(now.getTime() - scan.graceHours! * HOUR_MS);
    const removed: string[] = [];
    const note = (entry: string) => removed.length < MAX_LISTED_KEYS && removed.push(entry);
    scan.providers = [];
    for (const adapter of this.storage.providers) {
      const result: ProviderScan = { provider: adapter.name, orphanObjects: 0, orphanBytes: 0, incompleteUploads: 0, unknownToCatalog: 0 };
      const errors: string[] = [];
      try {
        const batch: StoredObjectInfo[] = [];
        for await (const info of adapter.list('')) {
          batch.push(info);
          if (batch.length === BATCH) await this.sweepObjects(adapter, batch.splice(0), olderThan, scan.dryRun, result, note);
        }
        await this.sweepObjects(adapter, batch, olderThan, scan.dryRun, result, note);
      } catch (error) {
        errors.push((error as Error).message);
      }
      try {
        for await (const leftover of adapter.listIncomplete(olderThan)) {
          if (!scan.dryRun) await adapter.abortIncomplete(leftover.id);
          result.incompleteUploads! += 1;
          note(`${adapter.name}:${leftover.key ? `${leftover.key} (unfinished upload ${leftover.id})` : `.partial/${leftover.id}`}`);
        }
      } catch (error) {
        errors.push((error as Error).message);
      }
      if (errors.length > 0) result.error = errors.join('; ');
      scan.providers.push(result);
      scan.advance(scan.providers.length, this.storage.providers.length + 1);
    }
    scan.removed = removed;
    scan.flagged = await this.flagVanished(scan.dryRun);
    const total = scan.providers.reduce((sum, p) => sum + p.orphanObjects! + p.incompleteUploads!, 0);
    this.logger.log(`orphan sweep ${scan.id}${scan.dryRun ? ' (dry run)' : ''}: ${total} objects and unfinished uploads ${scan.dryRun ? 'to remove' : 'removed'}, ${scan.flagged.length} backups flagged`);
  }

  /** One batch of listed objects against the catalog: what belongs to no live backup and is past the grace period goes. */
  private async sweepObjects(adapter: StoragePort, batch: StoredObjectInfo[], olderThan: Date, dryRun: boolean, result: ProviderScan, note: (entry: string) => void): Promise<void> {
    const ours = batch.map((info) => ({ info, parsed: parseBackupKey(info.key) })).filter((o) => o.parsed !== null); // anything else is not ours to touch
    if (ours.length === 0) return;
    const ids = [...new Set(ours.map((o) => o.parsed!.backupId.toLowerCase()))];
    const records = await this.em.fork().find(BackupRecord, { id: { $in: ids } }, { fields: ['id', 'status'] });
    const status = new Map(records.map((r) => [r.id, r.status]));
    for (const { info, parsed } of ours) {
      const recorded = status.get(parsed!.backupId.toLowerCase());
      if (recorded !== undefined && !DEAD.includes(recorded)) continue;
      if (recorded === undefined && (await this.hasPartner(adapter, info.key, parsed!.sidecar))) {
        if (!parsed!.sidecar) result.unknownToCatalog! += 1;
        continue;
      }
      if (info.lastModified >= olderThan) continue;
      if (!dryRun) await adapter.delete(info.key);
      result.orphanObjects! += 1;
      result.orphanBytes! += info.size;
      note(`${adapter.name}:${info.key}`);
    }
  }

  /** Object and sidecar side by side: the store step wrote both, so it is a backup, whatever the catalog says. */
  private async hasPartner(adapter: StoragePort, key: string, isSidecar: boolean): Promise<boolean> {
    const partner = isSidecar ? key.replace(/\.manifest\.json$/, '.tvb') : sidecarKeyFor(key);
    return (await adapter.head(partner)) !== null;
  }

  /**
   * Completed backups none of whose stored copies is left at any configured provider: their copies are marked failed
   * verification and `integrity.failure` announced (a dry run only lists them).
   */
  private async flagVanished(dryRun: boolean): Promise<{ backupId: string; reason: string }[]> {
    const flagged: { backupId: string; reason: string }[] = [];
    let after: string | undefined;
    for (;;) {
      const em = this.em.fork();
      const page = await em.find(BackupRecord, { status: BackupStatus.COMPLETED, ...(after ? { id: { $gt: after } } : {}) }, { populate: ['locations'], orderBy: { id: 'asc' }, limit: BATCH });
      if (page.length === 0) return flagged;
      after = page[page.length - 1].id;
      const vanished: { record: BackupRecord; copies: BackupLocation[]; reason: string }[] = [];
      await inParallel(page, HEAD_CONCURRENCY, async (record) => {
        const copies = record.locations.getItems().filter((l) => l.status === LocationStatus.STORED && this.storage.names.includes(l.provider));
        if (copies.length === 0) return;
        // A provider that cannot answer says nothing about the object: it counts as present.
        const present = await Promise.all(copies.map((l) => this.storage.require(l.provider).head(l.key).then((info) => info !== null, () => true)));
        if (!present.some(Boolean)) vanished.push({ record, copies, reason: `no object left at ${copies.map((l) => `${l.provider} (${l.key})`).join(', ')}` });
      });
      if (vanished.length === 0) continue;
      // Retention may have deleted one meanwhile (objects first, then the record): only what is still COMPLETED counts.
      const still = new Set((await this.em.fork().find(BackupRecord, { id: { $in: vanished.map((v) => v.record.id) }, status: BackupStatus.COMPLETED }, { fields: ['id'] })).map((r) => r.id));
      const confirmed = vanished.filter((v) => still.has(v.record.id));
      flagged.push(...confirmed.map((v) => ({ backupId: v.record.id, reason: v.reason })));
      if (dryRun) continue;
      // Announced once: a backup flagged by an earlier sweep is listed again, not announced again.
      const fresh = confirmed.filter(({ copies }) => copies.some((l) => !l.error?.startsWith(VANISHED)));
      for (const { record, copies, reason } of fresh) {
        for (const copy of copies) copy.verified(false, `${VANISHED}: ${reason}`);
        record.refreshVerification();
      }
      await em.flush();
      for (const { record, copies, reason } of fresh) {
        for (const copy of copies) this.events.emit({ type: 'integrity.failure', backupId: record.id, backupType: record.type, tenantId: record.tenantId, provider: copy.provider, reason });
      }
    }
  }
}
