import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ArchiveError, readArchive } from '../../../libs/archive';
import { verifyDisasterArchive } from '../../../libs/archive/disaster-archive';
import { unsealStream } from '../../../libs/archive/sealed-archive';
import { CryptoError, KeyContext, KeyRing } from '../../../libs/crypto';
import { ObjectNotFoundError, StoragePort } from '../../../libs/storage';
import type { ProviderName } from '../../../libs/storage/storage.port';
import { DomainEvents } from '../../common/domain-events';
import { KEY_RING } from '../../common/key-ring.token';
import { BackupLocation, BackupNotCompletedError, BackupNotFoundError, BackupRecord, BackupStatus, BackupType, LocationStatus } from '../backups';
import { StorageService } from '../storage';
import { CopyCheck, CopyOutcome } from './copy-check.entity';
import { copyGoodCopy } from './copy-repair';

class ChecksumMismatchError extends Error {}

/**
 * Checks every stored copy of a backup end to end (present, its recorded size, sha256, every encrypted chunk
 * authenticated, the archive's structure and content hashes), repairs a damaged or missing copy from a good one, and
 * records each copy's outcome. Every damaged or missing copy is announced as `integrity.failure` (SPEC §11), saying
 * whether it was repaired; a backup left with no good copy ends with verification FAILED.
 */
@Injectable()
export class BackupVerifier {
  private readonly logger = new Logger(BackupVerifier.name);

  constructor(
    private readonly em: EntityManager,
    private readonly storage: StorageService,
    private readonly events: DomainEvents,
    @Inject(KEY_RING) private readonly keyRing: KeyRing,
  ) {}

  /** The copies of a completed backup (all, or the one at `provider`), checked and repaired; the checks are kept under `runId`. */
  async verify(backupId: string, runId: string, provider?: ProviderName): Promise<{ record: BackupRecord; checks: CopyCheck[] }> {
    const em = this.em.fork();
    const record = await em.findOne(BackupRecord, { id: backupId }, { populate: ['locations'] });
    if (!record) throw new BackupNotFoundError(backupId);
    if (record.status !== BackupStatus.COMPLETED) throw new BackupNotCompletedError(record.id, record.status);
    const stored = record.locations.getItems().filter((l) => l.status === LocationStatus.STORED);
    const checks = await Promise.all(stored.filter((l) => !provider || l.provider === provider).map((l) => this.check(record, l, runId)));

    const damaged = checks.filter((c) => c.needsRepair);
    if (damaged.length > 0) {
      // A source must have passed the same checks: when one provider was asked for, the others are checked now.
      const others = await Promise.all(stored.filter((l) => !checks.some((c) => c.provider === l.provider)).map((l) => this.check(record, l, runId)));
      const sources = [...checks, ...others].filter((c) => c.outcome === CopyOutcome.OK).map((c) => c.provider);
      for (const check of damaged) await this.repair(record, check, sources);
      checks.push(...others);
    }
    for (const check of checks) {
      const location = record.location(check.provider)!;
      if (check.isGood) location.verified(true);
      else location.verified(false, check.repairError ? `${check.error}; repair failed: ${check.repairError}` : check.error);
    }
    record.refreshVerification();
    em.persist(checks);
    await em.flush();

    for (const check of damaged) {
      const repair = check.isGood ? `repaired from ${check.repairedFrom}` : check.repairError ? `not repaired: ${check.repairError}` : 'not repaired: no good copy left';
      this.events.emit({ type: 'integrity.failure', backupId: record.id, backupType: record.type, tenantId: record.tenantId, provider: check.provider, reason: `${check.error} (${repair})` });
    }
    return { record, checks };
  }

  private async check(record: BackupRecord, location: BackupLocation, runId: string): Promise<CopyCheck> {
    const check = Object.assign(new CopyCheck(), { runId, backupId: record.id, provider: location.provider, outcome: CopyOutcome.OK });
    try {
      const adapter = this.storage.require(location.provider);
      const found = await adapter.head(location.key);
      const expected = location.size ?? record.storedBytes;
      if (!found) throw new ObjectNotFoundError(location.key, location.provider);
      if (expected !== undefined && found.size !== expected) throw new ChecksumMismatchError(`the object is ${found.size} bytes, the catalog says ${expected}`);
      await this.checkContent(record, adapter, location.key);
    } catch (error) {
      check.error = (error as Error).message;
      if (error instanceof ObjectNotFoundError) check.outcome = CopyOutcome.MISSING;
      // Bad bytes are damage; a copy that could not be read (provider down, key not configured) is not known to be bad.
      else if ((error instanceof CryptoError && error.code !== 'CRYPTO.KEY_NOT_FOUND') || error instanceof ArchiveError || error instanceof ChecksumMismatchError) check.outcome = CopyOutcome.DAMAGED;
      else check.outcome = CopyOutcome.UNREADABLE;
    }
    check.checkedAt = new Date();
    return check;
  }

  /** Streams the whole object through decryption and the archive reader: memory stays flat whatever its size. */
  private async checkContent(record: BackupRecord, adapter: StoragePort, key: string): Promise<void> {
    const platformWide = record.type === BackupType.DISASTER || record.type === BackupType.BASE;
    const context: KeyContext = platformWide ? { kind: 'platform' } : { kind: 'tenant', tenantId: record.tenantId! };
    const plain = unsealStream(await adapter.get(key), this.keyRing, context);
    if (record.type === BackupType.DISASTER) {
      await verifyDisasterArchive(plain.stream); // every chunk authenticated, config files and dump checked against the manifest and summary
    } else if (record.type === BackupType.BASE) {
      for await (const _ of plain.stream); // pg_basebackup's own tar: every chunk authenticated and decompressed; its WAL chain is checked apart
    } else {
      for await (const entry of readArchive(plain.stream)) {
        if (entry.kind === 'table') for await (const _ of entry.data); // readArchive checks the summary's hashes
      }
    }
    const sha256 = plain.storedSha256();
    if (sha256 !== record.sha256) throw new ChecksumMismatchError(`sha256 mismatch: stored object is ${sha256}, catalog says ${record.sha256}`);
  }

  private async repair(record: BackupRecord, check: CopyCheck, sources: ProviderName[]): Promise<void> {
    if (sources.length === 0) return;
    const location = record.location(check.provider)!;
    for (const source of sources) {
      try {
        const size = await copyGoodCopy(this.storage.require(source), this.storage.require(check.provider), location.key, record.sha256!);
        location.stored(size);
        check.repaired(source);
        this.logger.warn(`backup ${record.id}: the ${check.provider} copy was ${check.outcome} (${check.error}); repaired from ${source}`);
        return;
      } catch (error) {
        check.repairFailed(`from ${source}: ${(error as Error).message}`);
      }
    }
  }
}
