import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Sha256Meter } from '../../../libs/archive';
import type { ProviderName } from '../../../libs/storage/storage.port';
import { DomainEvents } from '../../common/domain-events';
import { StorageService } from '../storage';
import { backupFacts } from './backup-facts';
import { BackupStore } from './backup-store.service';
import { BackupRecord } from './backup.entity';
import { LocationStatus } from './backup.types';

/** Copies a completed backup to a provider that missed it, checking the sha256 of what was copied. */
@Injectable()
export class ReplicationService {
  private readonly logger = new Logger(ReplicationService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly storage: StorageService,
    private readonly store: BackupStore,
    private readonly events: DomainEvents,
  ) {}

  async replicate(backupId: string, provider: ProviderName): Promise<'copied' | 'nothing-to-do'> {
    const em = this.em.fork();
    const record = await em.findOne(BackupRecord, { id: backupId }, { populate: ['locations'] });
    const target = record?.location(provider);
    if (!record || !target) throw new UnrecoverableError(`backup ${backupId} has no ${provider} location`);
    if (target.status === LocationStatus.STORED) return 'nothing-to-do';
    if (!this.storage.names.includes(provider)) throw new UnrecoverableError(`provider ${provider} is no longer configured`);
    const targetAdapter = this.storage.require(provider);

    const sources = record.locations.getItems().filter((l) => l.status === LocationStatus.STORED && l.provider !== provider);
    if (sources.length === 0) throw new UnrecoverableError(`backup ${backupId} has no stored copy to replicate from`);

    let lastError: Error | undefined;
    for (const source of sources) {
      try {
        const body = await this.storage.require(source.provider).get(source.key);
        const hash = new Sha256Meter();
        const out = new PassThrough();
        const copying = pipeline(body, hash, out);
        const storing = targetAdapter.put(target.key, out).catch((error: Error) => {
          out.destroy(error); // stops reading the source too
          throw error;
        });
        const [{ size }] = await Promise.all([storing, copying]);
        if (hash.digest() !== record.sha256) {
          await targetAdapter.delete(target.key);
          throw new Error(`copy from ${source.provider} does not match the recorded sha256`);
        }
        target.stored(size);
        await this.store.writeSidecars(record, provider);
        await em.flush();
        this.logger.log(`backup ${backupId} replicated from ${source.provider} to ${provider}`);
        if (record.location(provider)?.status === LocationStatus.STORED) this.events.emit({ type: 'replication.completed', ...backupFacts(record), provider });
        return 'copied';
      } catch (error) {
        lastError = error as Error;
      }
    }
    target.failed(lastError!.message);
    await em.flush();
    throw lastError!;
  }

  /** Re-enqueues replication for every completed backup that still misses a copy (the periodic sweep). */
  async sweep(): Promise<number> {
    const records = await this.em.fork().getRepository(BackupRecord).findWithMissingCopies();
    for (const record of records) await this.store.scheduleReplication(record);
    return records.length;
  }

  /** The last attempt failed: the backup stays without a copy at `provider` until an operator acts. */
  async givenUp(backupId: string, provider: ProviderName, reason: string): Promise<void> {
    const record = await this.em.fork().findOne(BackupRecord, { id: backupId });
    if (!record) return;
    this.logger.error(`replication of backup ${backupId} to ${provider} given up: ${reason}`);
    this.events.emit({ type: 'replication.given-up', ...backupFacts(record), provider, reason });
  }
}
