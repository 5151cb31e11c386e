import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Readable } from 'node:stream';
import { ProviderUnavailableError, putToAll, sidecarKeyFor } from '../../../libs/storage';
import { DomainEvents } from '../../common/domain-events';
import { APP_CONFIG, AppConfig } from '../../config';
import { StorageService } from '../storage';
import { BACKUP_EXPIRY_POLICY, BackupExpiryPolicy } from './backup-expiry.port';
import { SealedBackup } from './backup-producer';
import { sidecarBody } from './backup-sidecar';
import { BackupRecord } from './backup.entity';
import { LocationStatus } from './backup.types';
import { NoCopyStoredError } from './backups.errors';
import { QueueName, ReplicatePayload, ReplicationJob, replicationJobId } from './backups.jobs';
import { backupFacts } from './backup-facts';
import { flushWith } from './flush-with';

/**
 * The one store step of every backup type: the sealed object to every provider at once, each copy's outcome on its
 * location, the record completed with its expiry, sidecars beside each copy, replication scheduled for copies that
 * missed. Fails with NoCopyStoredError when no provider stored it.
 */
@Injectable()
export class BackupStore {
  private readonly logger = new Logger(BackupStore.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(BACKUP_EXPIRY_POLICY) private readonly expiry: BackupExpiryPolicy,
    private readonly storage: StorageService,
    private readonly events: DomainEvents,
    @InjectQueue(QueueName.REPLICATION) private readonly replicationQueue: Queue<ReplicatePayload>,
  ) {}

  /**
   * `whileCommitting` runs in the transaction that completes the record (the job runner frees the lock there), so
   * that nobody sees the backup COMPLETED while its lock is still held.
   */
  async store(em: EntityManager, record: BackupRecord, sealed: SealedBackup, whileCommitting: (tx: EntityManager) => Promise<void> = async () => undefined): Promise<void> {
    const key = record.objectKey;
    const targets = record.locations.getItems().map((l) => this.storage.require(l.provider));
    let details: Awaited<SealedBackup['details']>;
    sealed.details.catch(() => undefined); // its error is also the stream's, which putToAll reports
    try {
      const results = await putToAll(targets, key, sealed.stream);
      details = await sealed.details;
      for (const result of results) {
        const location = record.location(result.provider)!;
        if (result.ok) location.stored(result.size);
        else {
          location.failed(result.error.message);
          if (result.error instanceof ProviderUnavailableError) this.events.emit({ type: 'provider.unreachable', provider: result.provider, operation: 'put', reason: result.error.message });
        }
      }
      if (!results.some((r) => r.ok)) throw new NoCopyStoredError(`no provider stored backup ${record.id}: ${results.map((r) => (r.ok ? '' : `${r.provider}: ${r.error.message}`)).join('; ')}`);
    } finally {
      await sealed.close();
    }

    record.complete({ ...sealed.stats(), rowCounts: details.rowCounts, keyId: sealed.keyId, compression: sealed.compression }, await this.expiry.expiresAt(record.type, record.createdAt));
    await this.writeSidecars(record);
    await flushWith(em, () => whileCommitting(em));

    const facts = backupFacts(record);
    const missing = record.missingCopies;
    this.events.emit({
      type: 'backup.completed',
      ...facts,
      rawBytes: record.rawBytes ?? 0,
      storedBytes: record.storedBytes ?? 0,
      durationMs: record.durationMs ?? 0,
      storedProviders: record.locations.getItems().filter((l) => l.status === LocationStatus.STORED).map((l) => l.provider),
      missingProviders: missing.map((l) => l.provider),
    });
    if (missing.length > 0) {
      this.events.emit({ type: 'backup.redundancy-degraded', ...facts, missing: missing.map((l) => ({ provider: l.provider, reason: l.error ?? 'unknown' })) });
      await this.scheduleReplication(record);
    }
  }

  /** A copy without its sidecar could not be found by a catalog rebuild, so a failed sidecar write fails that copy. */
  async writeSidecars(record: BackupRecord, only?: string): Promise<void> {
    const body = sidecarBody(record);
    await Promise.all(
      record.locations
        .getItems()
        .filter((l) => l.status === LocationStatus.STORED && (!only || l.provider === only))
        .map(async (location) => {
          try {
            await this.storage.require(location.provider).put(sidecarKeyFor(location.key), Readable.from([body]), { contentType: 'application/json' });
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
