import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { ArchiveError, readArchive } from '../../../libs/archive';
import { verifyDisasterArchive } from '../../../libs/archive/disaster-archive';
import { unsealStream } from '../../../libs/archive/sealed-archive';
import { CryptoError, KeyContext, KeyRing } from '../../../libs/crypto';
import type { ProviderName } from '../../../libs/storage/storage.port';
import { DomainEvents } from '../../common/domain-events';
import { KEY_RING } from '../../common/key-ring.token';
import { BackupLocation, BackupNotCompletedError, BackupRecord, BackupStatus, BackupType, LocationStatus } from '../backups';
import { StorageService } from '../storage';

export interface CopyVerification {
  provider: ProviderName;
  ok: boolean;
  error?: string;
}

/**
 * Downloads a copy and checks it end to end: the stored bytes' sha256 against the catalog, every encrypted
 * chunk's authentication, and the archive's structure and content hashes. A damaged copy is announced as
 * `integrity.failure`.
 */
@Injectable()
export class BackupVerifier {
  constructor(
    private readonly em: EntityManager,
    private readonly storage: StorageService,
    private readonly events: DomainEvents,
    @Inject(KEY_RING) private readonly keyRing: KeyRing,
  ) {}

  /** Verifies the copies of a backup (all, or the one at `provider`) and records each copy's outcome. */
  async verify(backupId: string, provider?: ProviderName): Promise<{ record: BackupRecord; results: CopyVerification[] }> {
    this.storage.assertConfigured(provider);
    const em = this.em.fork();
    const record = await em.findOneOrFail(BackupRecord, { id: backupId }, { populate: ['locations'] });
    if (record.status !== BackupStatus.COMPLETED) throw new BackupNotCompletedError(record.id, record.status);
    const copies = record.locations.getItems().filter((l) => l.status === LocationStatus.STORED && (!provider || l.provider === provider));
    const results = await Promise.all(copies.map((location) => this.verifyCopy(record, location)));
    record.refreshVerification();
    await em.flush();
    for (const failed of results.filter((r) => !r.ok && r.damaged)) {
      this.events.emit({ type: 'integrity.failure', backupId: record.id, backupType: record.type, tenantId: record.tenantId, provider: failed.provider, reason: failed.error ?? 'verification failed' });
    }
    return { record, results: results.map(({ provider: p, ok, error }) => ({ provider: p, ok, ...(error ? { error } : {}) })) };
  }

  private async verifyCopy(record: BackupRecord, location: BackupLocation): Promise<CopyVerification & { damaged: boolean }> {
    try {
      await this.checkObject(record, location);
      location.verified(true);
      return { provider: location.provider, ok: true, damaged: false };
    } catch (error) {
      const message = (error as Error).message;
      location.verified(false, message);
      // Bad bytes are an integrity failure; a copy that could not be read (provider down) is not, yet.
      const damaged = (error instanceof CryptoError && error.code !== 'CRYPTO.KEY_NOT_FOUND') || error instanceof ArchiveError || error instanceof ChecksumMismatchError;
      return { provider: location.provider, ok: false, error: message, damaged };
    }
  }

  private async checkObject(record: BackupRecord, location: BackupLocation): Promise<void> {
    const stored = await this.storage.require(location.provider).get(location.key);
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
    if (sha256 !== record.sha256) throw new ChecksumMismatchError(`sha256 mismatch: stored object is ${sha256}, catalog says ${record.sha256}`);
  }
}

class ChecksumMismatchError extends Error {}
