import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { pipeline } from 'node:stream/promises';
import { PassThrough } from 'node:stream';
import { Sha256Meter } from '../../../libs/archive/stream-meters';
import type { ProviderName } from '../../../libs/storage/storage.port';
import { StorageService } from '../storage/storage.service';
import { BackupRunner } from './backup-runner.service';
import { BackupRecord } from './backup.entity';
import { LocationStatus } from './backup.types';

/** Copies a completed backup to a provider that missed it, checking the sha256 of what was copied. */
@Injectable()
export class ReplicationService {
  private readonly logger = new Logger(ReplicationService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly storage: StorageService,
    private readonly runner: BackupRunner,
  ) {}

  async replicate(backupId: string, provider: ProviderName): Promise<'copied' | 'nothing-to-do'> {
    const em = this.em.fork();
    const record = await em.findOne(BackupRecord, { id: backupId }, { populate: ['locations'] });
    const target = record?.location(provider);
    if (!record || !target) throw new UnrecoverableError(`backup ${backupId} has no ${provider} location`);
    if (target.status === LocationStatus.STORED) return 'nothing-to-do';
    const targetAdapter = this.storage.byName(provider);
    if (!targetAdapter) throw new UnrecoverableError(`provider ${provider} is no longer configured`);

    const sources = record.locations.getItems().filter((l) => l.status === LocationStatus.STORED && l.provider !== provider);
    if (sources.length === 0) throw new UnrecoverableError(`backup ${backupId} has no stored copy to replicate from`);

    let lastError: Error | undefined;
    for (const source of sources) {
      try {
        const body = await this.storage.byName(source.provider)!.get(source.key);
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
        await this.runner.writeSidecars(record, target.key, provider);
        await em.flush();
        this.logger.log(`backup ${backupId} replicated from ${source.provider} to ${provider}`);
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
    for (const record of records) await this.runner.scheduleReplication(record);
    return records.length;
  }
}
