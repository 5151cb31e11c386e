import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { readArchive } from '../../../libs/archive';
import { verifyDisasterArchive } from '../../../libs/archive/disaster-archive';
import { unsealStream } from '../../../libs/archive/sealed-archive';
import { KeyContext, KeyRing } from '../../../libs/crypto';
import type { ProviderName } from '../../../libs/storage/storage.port';
import { KEY_RING } from '../../common/key-ring.token';
import { StorageService } from '../storage/storage.service';
import { BackupLocation } from './backup-location.entity';
import { BackupRecord } from './backup.entity';
import { BackupStatus, BackupType, LocationStatus } from './backup.types';
import { BackupNotCompletedError, UnknownProviderError } from './backups.errors';

export interface CopyVerification {
  provider: ProviderName;
  ok: boolean;
  error?: string;
}

/**
 * Downloads a copy and checks it end to end: the stored bytes' sha256 against the catalog, every encrypted
 * chunk's authentication, and (tenant backups) the archive's structure and per-table hashes.
 */
@Injectable()
export class BackupVerifier {
  constructor(
    private readonly em: EntityManager,
    private readonly storage: StorageService,
    @Inject(KEY_RING) private readonly keyRing: KeyRing,
  ) {}

  /** Verifies the copies of a backup (all, or the one at `provider`) and records each copy's outcome. */
  async verify(backupId: string, provider?: ProviderName): Promise<{ record: BackupRecord; results: CopyVerification[] }> {
    const em = this.em.fork();
    const record = await em.findOneOrFail(BackupRecord, { id: backupId }, { populate: ['locations'] });
    if (record.status !== BackupStatus.COMPLETED) throw new BackupNotCompletedError(record.id, record.status);
    if (provider && !this.storage.byName(provider)) throw new UnknownProviderError(provider, this.storage.providers.map((p) => p.name));
    const copies = record.locations.getItems().filter((l) => l.status === LocationStatus.STORED && (!provider || l.provider === provider));
    const results = await Promise.all(copies.map((location) => this.verifyCopy(record, location)));
    record.refreshVerification();
    await em.flush();
    return { record, results };
  }

  private async verifyCopy(record: BackupRecord, location: BackupLocation): Promise<CopyVerification> {
    try {
      await this.checkObject(record, location);
      location.verified(true);
      return { provider: location.provider, ok: true };
    } catch (error) {
      const message = (error as Error).message;
      location.verified(false, message);
      return { provider: location.provider, ok: false, error: message };
    }
  }

  private async checkObject(record: BackupRecord, location: BackupLocation): Promise<void> {
    const stored = await this.storage.byName(location.provider)!.get(location.key);
    const context: KeyContext = record.type === BackupType.DISASTER ? { kind: 'platform' } : { kind: 'tenant', tenantId: record.tenantId! };
    const plain = unsealStream(stored, this.keyRing, context);
    if (record.type === BackupType.DISASTER) {
      await verifyDisasterArchive(plain.stream); // every chunk authenticated, config files and dump checked against the manifest and summary
    } else {
      for await (const entry of readArchive(plain.stream)) {
        if (entry.kind === 'table') for await (const _ of entry.data); // readArchive checks the summary's hashes
      }
    }
    const sha256 = plain.storedSha256();
    if (sha256 !== record.sha256) throw new Error(`sha256 mismatch: stored object is ${sha256}, catalog says ${record.sha256}`);
  }
}
