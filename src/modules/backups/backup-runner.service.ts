import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Readable } from 'node:stream';
import { createArchiveStream } from '../../../libs/archive';
import { sealStream } from '../../../libs/archive/sealed-archive';
import { KeyRing } from '../../../libs/crypto';
import { putToAll, sidecarKeyFor } from '../../../libs/storage';
import { openTenantExport, tenantArchiveInput } from '../../../libs/tenant-data';
import { KEY_RING } from '../../common/key-ring.token';
import { APP_CONFIG, AppConfig } from '../../config';
import { PlatformDatabase } from '../platform/platform-database.service';
import { StorageService } from '../storage/storage.service';
import { buildSidecar } from './backup-sidecar';
import { BackupRecord } from './backup.entity';
import { BackupType, LocationStatus } from './backup.types';
import { NoCopyStoredError } from './backups.errors';
import { QueueName, ReplicatePayload, ReplicationJob, replicationJobId } from './backups.jobs';

export type ProgressReporter = (percent: number) => Promise<void> | void;

/**
 * Runs one tenant backup: export (one snapshot) → tar → gzip → encrypt → sha256 → every provider at once,
 * then the sidecars and the catalog record. Locking and retries are the caller's business.
 */
@Injectable()
export class BackupRunner {
  private readonly logger = new Logger(BackupRunner.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KEY_RING) private readonly keyRing: KeyRing,
    private readonly platform: PlatformDatabase,
    private readonly storage: StorageService,
    @InjectQueue(QueueName.REPLICATION) private readonly replicationQueue: Queue<ReplicatePayload>,
  ) {}

  async execute(em: EntityManager, record: BackupRecord, onProgress: ProgressReporter = () => undefined): Promise<void> {
    const tenantId = record.tenantId!;
    record.start();
    await em.flush();

    const key = record.locations.getItems()[0].key;
    const targets = record.locations.getItems().map((l) => this.storage.byName(l.provider)).filter((a) => a !== undefined);
    const source = await openTenantExport(this.platform.connectionString, this.config.tenancy, tenantId);
    try {
      const input = tenantArchiveInput(source, tenantId, record.id, record.createdAt);
      const total = input.manifest.tables.length;
      async function* tables() {
        let done = 0;
        for await (const table of input.tables()) {
          yield table;
          done += 1;
          await onProgress(Math.min(95, Math.floor((done / Math.max(total, 1)) * 95)));
        }
      }
      const archive = createArchiveStream(input.manifest, tables());
      const sealed = sealStream(archive.stream, this.keyRing, { kind: 'tenant', tenantId }, { gzipLevel: this.config.backup.gzipLevel });
      const results = await putToAll(targets, key, sealed.stream);
      const summary = await archive.summary;

      for (const result of results) {
        const location = record.location(result.provider)!;
        if (result.ok) location.stored(result.size);
        else location.failed(result.error.message);
      }
      if (!results.some((r) => r.ok)) throw new NoCopyStoredError(`no provider stored backup ${record.id}: ${results.map((r) => (r.ok ? '' : `${r.provider}: ${r.error.message}`)).join('; ')}`);

      const rowCounts = Object.fromEntries(Object.entries(summary.tables).map(([name, t]) => [name, t.rows]));
      record.complete({ ...sealed.stats(), rowCounts, keyId: this.keyRing.activeKeyId }, this.retentionDays(record.type));
      await this.writeSidecars(record, key);
      await em.flush();
    } finally {
      await source.close();
    }
    await this.scheduleReplication(record);
  }

  /** A copy without its sidecar could not be found by a catalog rebuild, so a failed sidecar write fails that copy. */
  async writeSidecars(record: BackupRecord, key: string, only?: string): Promise<void> {
    const body = JSON.stringify(buildSidecar(record, key), null, 2);
    await Promise.all(
      record.locations
        .getItems()
        .filter((l) => l.status === LocationStatus.STORED && (!only || l.provider === only))
        .map(async (location) => {
          try {
            await this.storage.byName(location.provider)!.put(sidecarKeyFor(key), Readable.from([Buffer.from(body)]), { contentType: 'application/json' });
          } catch (error) {
            location.failed(`sidecar not written: ${(error as Error).message}`);
          }
        }),
    );
  }

  /** Degraded redundancy: the backup stands on fewer copies until replication fills the gaps. */
  async scheduleReplication(record: BackupRecord): Promise<void> {
    for (const location of record.missingCopies) {
      this.logger.warn(`backup ${record.id} has no copy at ${location.provider} (${location.error ?? 'unknown'}); replication scheduled`);
      await this.replicationQueue.add(
        ReplicationJob.COPY,
        { backupId: record.id, provider: location.provider },
        { jobId: replicationJobId(record.id, location.provider), attempts: this.config.queues.replicationAttempts, backoff: { type: 'exponential', delay: this.config.queues.jobBackoffMs }, removeOnComplete: true, removeOnFail: { age: 7 * 86_400 } },
      );
    }
  }

  retentionDays(type: BackupType): number {
    if (type === BackupType.DISASTER) return this.config.retention.disasterDays;
    if (type === BackupType.PRE_RESTORE) return this.config.retention.preRestoreDays;
    return this.config.retention.tenantDays;
  }

  /** Best effort after a final failure: a copy without a completed record must not linger and look like a backup. */
  async removeObjects(record: BackupRecord): Promise<void> {
    const key = record.locations.getItems()[0]?.key;
    if (!key) return;
    await Promise.all(
      this.storage.providers.map(async (adapter) => {
        await adapter.delete(sidecarKeyFor(key)).catch(() => undefined);
        await adapter.delete(key).catch(() => undefined);
      }),
    );
  }
}
