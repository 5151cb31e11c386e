import { EntityManager } from '@mikro-orm/postgresql';
import { listArchivedWal, readBaseRange, readWalSidecar } from '../../../libs/pitr';
import type { StoragePort } from '../../../libs/storage/storage.port';
import { BackupRecord, BackupStatus, BackupType } from '../backups';
import { BaseBackupRange } from './base-backup-range.entity';
import { WalSegment } from './wal-segment.entity';

export interface PointInTimeRebuildReport {
  provider: string;
  /** WAL ranges of base backups read from their sidecars. */
  baseRanges: number;
  /** Archived WAL files found, and how many were new to the index. */
  walFiles: number;
  walAdded: number;
  skipped: { key: string; reason: string }[];
}

/** Index rows written per transaction. */
const BATCH = 500;

/**
 * The point-in-time part of `catalog rebuild`, after the backups themselves are recorded: each BASE backup's WAL range
 * from its `.pitr.json` sidecar, and every archived WAL file from its sidecar, with this provider added to the copies.
 * Idempotent, like the rest of the rebuild.
 */
export async function rebuildPointInTimeCatalog(em: EntityManager, adapter: StoragePort): Promise<PointInTimeRebuildReport> {
  const report: PointInTimeRebuildReport = { provider: adapter.name, baseRanges: 0, walFiles: 0, walAdded: 0, skipped: [] };
  const bases = await em.fork().find(BackupRecord, { type: BackupType.BASE, status: BackupStatus.COMPLETED, locations: { provider: adapter.name } }, { populate: ['locations'] });
  const known = new Set((await em.fork().find(BaseBackupRange, { backupId: { $in: bases.map((b) => b.id) } }, { fields: ['backupId'] })).map((r) => r.backupId));
  for (const base of bases.filter((b) => !known.has(b.id))) {
    try {
      const range = await readBaseRange(adapter, base.location(adapter.name)!.key, base.id);
      if (!range) throw new Error('its WAL range sidecar is missing: it cannot be used for point-in-time recovery until one is written');
      await em.fork().upsert(BaseBackupRange, BaseBackupRange.fromSidecar(range));
      report.baseRanges += 1;
    } catch (error) {
      report.skipped.push({ key: base.objectKey, reason: (error as Error).message });
    }
  }

  const files = [...(await listArchivedWal(adapter)).keys()].sort();
  report.walFiles = files.length;
  for (let i = 0; i < files.length; i += BATCH) {
    const names = files.slice(i, i + BATCH);
    const rows = new Map((await em.fork().find(WalSegment, { name: { $in: names } })).map((r) => [r.name, r]));
    const upserts: WalSegment[] = [];
    for (const name of names) {
      const row = rows.get(name);
      if (row) {
        if (!row.providers.includes(adapter.name)) upserts.push(Object.assign(row, { providers: [...row.providers, adapter.name].sort() }));
        continue;
      }
      try {
        const sidecar = await readWalSidecar(adapter, name);
        if (!sidecar) throw new Error('its sidecar vanished during the scan');
        upserts.push(WalSegment.fromSidecar(sidecar, [adapter.name]));
        report.walAdded += 1;
      } catch (error) {
        report.skipped.push({ key: `wal/${name.slice(0, 8)}/${name}`, reason: (error as Error).message });
      }
    }
    if (upserts.length > 0) await em.fork().upsertMany(WalSegment, upserts);
  }
  return report;
}
