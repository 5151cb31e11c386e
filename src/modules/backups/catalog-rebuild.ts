import { EntityManager } from '@mikro-orm/postgresql';
import { DISASTER_PREFIX, StoragePort, TENANTS_PREFIX } from '../../../libs/storage';
import { BackupSidecar } from '../backups/backup-sidecar';
import { BackupLocation } from '../backups/backup-location.entity';
import { BackupRecord } from '../backups/backup.entity';
import { BackupStatus, LocationStatus } from '../backups/backup.types';
import { scanSidecars } from './sidecar-scan';

/** Records written per transaction: bounded memory, and an interrupted rebuild keeps what it did. */
const BATCH = 200;

export interface CatalogRebuildReport {
  provider: string;
  /** Backups found at the provider (valid sidecar and object). */
  found: number;
  /** Records created in the catalog. */
  added: number;
  /** Copies at this provider recorded for backups the catalog already had. */
  locationsAdded: number;
  skipped: { key: string; reason: string }[];
}

/**
 * Writes into the catalog every backup a provider holds, from its sidecars: a COMPLETED record (sizes, sha256, key
 * id, expiry as the sidecar says) and the copy at this provider as STORED. Idempotent: a backup the catalog knows
 * only gains a missing copy, so rebuilding from several providers in turn, or twice, is safe.
 */
export async function rebuildCatalog(em: EntityManager, adapter: StoragePort, onBatch?: (done: number) => void): Promise<CatalogRebuildReport> {
  const report: CatalogRebuildReport = { provider: adapter.name, found: 0, added: 0, locationsAdded: 0, skipped: [] };
  let batch: BackupSidecar[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const sidecars = batch;
    batch = [];
    await em.transactional(async (tx) => {
      const known = new Map((await tx.find(BackupRecord, { id: { $in: sidecars.map((s) => s.backupId) } }, { populate: ['locations'] })).map((r) => [r.id, r]));
      for (const sidecar of sidecars) {
        const existing = known.get(sidecar.backupId);
        if (!existing) {
          const record = recordFrom(sidecar);
          addStoredCopy(record, adapter.name, sidecar);
          tx.persist(record);
          report.added++;
        } else if (existing.location(adapter.name)?.status !== LocationStatus.STORED) {
          addStoredCopy(existing, adapter.name, sidecar);
          report.locationsAdded++;
        }
      }
    });
    em.clear();
    onBatch?.(report.found);
  };

  for (const prefix of [TENANTS_PREFIX, DISASTER_PREFIX]) {
    for await (const scanned of scanSidecars(adapter, prefix)) {
      if (!scanned.ok) {
        report.skipped.push({ key: scanned.key, reason: scanned.reason });
        continue;
      }
      report.found++;
      batch.push(scanned.sidecar);
      if (batch.length >= BATCH) await flush();
    }
  }
  await flush();
  return report;
}

function recordFrom(s: BackupSidecar): BackupRecord {
  const createdAt = new Date(s.createdAt);
  const completedAt = new Date(s.completedAt);
  return Object.assign(new BackupRecord(), {
    id: s.backupId.toLowerCase(),
    type: s.type,
    tenantId: s.tenantId ?? undefined,
    status: BackupStatus.COMPLETED,
    progress: 100,
    rawBytes: s.rawBytes,
    compressedBytes: s.compressedBytes,
    storedBytes: s.storedBytes,
    compressionRatio: s.rawBytes > 0 ? s.compressedBytes / s.rawBytes : 1,
    sha256: s.sha256,
    compression: s.compression,
    keyId: s.encryption.keyId,
    rowCounts: s.rowCounts ?? undefined,
    initiatedBy: s.initiatedBy,
    createdAt,
    completedAt,
    durationMs: completedAt.getTime() - createdAt.getTime(),
    expiresAt: s.expiresAt ? new Date(s.expiresAt) : undefined,
  });
}

function addStoredCopy(record: BackupRecord, provider: BackupLocation['provider'], sidecar: BackupSidecar): void {
  let location = record.location(provider);
  if (!location) {
    location = Object.assign(new BackupLocation(), { backup: record, provider, key: sidecar.key });
    record.locations.add(location);
  }
  location.key = sidecar.key;
  location.stored(sidecar.storedBytes);
}
