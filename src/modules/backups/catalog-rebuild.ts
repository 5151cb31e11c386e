import { EntityManager } from '@mikro-orm/postgresql';
import { StoragePort } from '../../../libs/storage';
import { BackupSidecar, scanSidecars, SIDECAR_PREFIXES } from './backup-sidecar';
import { BackupRecord } from './backup.entity';
import { LocationStatus } from './backup.types';

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
      const known = new Map((await tx.find(BackupRecord, { id: { $in: sidecars.map((s) => s.backupId.toLowerCase()) } }, { populate: ['locations'] })).map((r) => [r.id, r]));
      for (const sidecar of sidecars) {
        const existing = known.get(sidecar.backupId.toLowerCase());
        if (!existing) {
          tx.persist(BackupRecord.fromSidecar(sidecar, adapter.name));
          report.added++;
        } else if (existing.location(adapter.name)?.status !== LocationStatus.STORED) {
          existing.addStoredCopy(adapter.name, sidecar.key, sidecar.storedBytes);
          report.locationsAdded++;
        }
      }
    });
    em.clear();
    onBatch?.(report.found);
  };

  for (const prefix of SIDECAR_PREFIXES) {
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
