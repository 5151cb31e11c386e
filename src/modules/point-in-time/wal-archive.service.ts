import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { KeyRing } from '../../../libs/crypto';
import {
  ArchiveView,
  BaseCoverage,
  baseRangeBody,
  chooseBase,
  ChainWalk,
  copyWalFile,
  coverageOf,
  deleteWalFile,
  historyFilesNeeded,
  parseLsn,
  parseWalFileName,
  PitrError,
  readArchivedText,
  readWalSidecar,
  recoverableRange,
  RecoverableRange,
  RecoveryBase,
  segmentStartLsn,
} from '../../../libs/pitr';
import { baseBackupRangeKeyFor } from '../../../libs/storage';
import type { ProviderName } from '../../../libs/storage/storage.port';
import { KEY_RING } from '../../common/key-ring.token';
import { APP_CONFIG, AppConfig } from '../../config';
import { BackupRecord, BackupStatus, BackupType, LocationStatus } from '../backups';
import { StorageService } from '../storage';
import { BaseBackupRange } from './base-backup-range.entity';
import { NotRecoverableError } from './point-in-time.errors';
import { ArchiveListing, listArchive, viewOfBuckets } from './recovery-pipeline';
import { WalSegment } from './wal-segment.entity';

/** How the chain of one kept base backup stands. */
export interface BaseChainReport {
  baseBackupId: string;
  firstSegment: string;
  lastContiguous: string | null;
  coveredUntil: string | null;
  usable: boolean;
  gaps: ChainWalk['gaps'];
}

/** What verification checks of the WAL archive: each kept base backup's chain, and copies missing at some provider. */
export interface WalChainReport {
  checkedAt: string;
  range: { from: string | null; to: string | null; lastSegment: string | null };
  bases: BaseChainReport[];
  /** Archived files a reachable provider lacks (the first 100), and how many in all. */
  incomplete: { file: string; missingAt: ProviderName[] }[];
  incompleteCount: number;
  unreachable: { provider: ProviderName; reason: string }[];
}

export interface WalSweepReport {
  files: number;
  recorded: number;
  copied: number;
  failed: { file: string; provider: ProviderName; reason: string }[];
  rangeSidecarsWritten: number;
}

export interface WalPruneReport {
  /** Segments before this one (on any timeline) are no longer needed by a kept base backup; null: nothing pruned. */
  keepFrom: string | null;
  reason: string;
  deleted: number;
  failed: { file: string; reason: string }[];
}

/** Files copied at once by the sweep. */
const COPY_BATCH = 500;

/**
 * The WAL archive as the service sees it: the catalog's index (`wal_segments`, base backup ranges) and the buckets
 * themselves. The sweep copies files a provider missed and records in the index what `wal push` could not; ranges and
 * chains are computed from the index for quick answers and from the buckets when a recovery depends on them.
 */
@Injectable()
export class WalArchiveService {
  private readonly logger = new Logger(WalArchiveService.name);

  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KEY_RING) private readonly keyRing: KeyRing,
    private readonly storage: StorageService,
  ) {}

  /** Completed BASE backups with their WAL range and a stored copy, newest first (`only`: these ids). */
  async bases(only?: string[]): Promise<RecoveryBase[]> {
    const em = this.em.fork();
    const records = await em.find(BackupRecord, { type: BackupType.BASE, status: BackupStatus.COMPLETED, ...(only ? { id: { $in: only } } : {}) }, { populate: ['locations'], orderBy: { createdAt: 'desc' } });
    const ranges = new Map((await em.find(BaseBackupRange, { backupId: { $in: records.map((r) => r.id) } })).map((r) => [r.backupId, r]));
    return records.flatMap((record) => {
      const range = ranges.get(record.id);
      const stored = record.locations.getItems().some((l) => l.status === LocationStatus.STORED);
      return range && stored && record.sha256 ? [range.recoveryBase({ key: record.objectKey, sha256: record.sha256, storedBytes: record.storedBytes ?? 0 })] : [];
    });
  }

  /** The archive as the catalog's index knows it: quick, for answers to requests (the buckets decide at run time). */
  async viewOfCatalog(): Promise<ArchiveView> {
    const rows = await this.em.getConnection().execute<{ name: string; modified_at: Date }[]>('select name, modified_at from wal_segments where cardinality(providers) > 0');
    const archived = new Map(rows.map((r) => [r.name, { closedAt: new Date(r.modified_at) }]));
    const histories = new Map<number, string>();
    for (const name of historyFilesNeeded(archived)) {
      histories.set(parseWalFileName(name).timeline, await readArchivedText(name, this.storage.providers, this.keyRing));
    }
    return { bases: await this.bases(), archived, histories };
  }

  viewOfBuckets(bases: RecoveryBase[], listing?: ArchiveListing): Promise<ArchiveView> {
    return viewOfBuckets(bases, this.storage.providers, this.keyRing, listing);
  }

  /** The span of time any second of which can be recovered, from the catalog's index. */
  async range(): Promise<RecoverableRange> {
    return recoverableRange(coverageOf(await this.viewOfCatalog()));
  }

  /**
   * Refuses (NotRecoverableError, 400) a target outside what the archive covers, naming the range that is: from the
   * catalog's index, quick; when the index says no, from the buckets (the index may lag: wal push records best effort).
   */
  async assertRecoverable(targetTime: Date): Promise<void> {
    const check = async () => chooseBase(coverageOf(await this.viewOfCatalog()), targetTime);
    try {
      await check();
    } catch (error) {
      if (!(error instanceof PitrError && error.code === 'PITR.NOT_COVERED')) throw error;
      await this.sweep();
      await check().catch((again: Error) => {
        throw again instanceof PitrError && again.code === 'PITR.NOT_COVERED' ? new NotRecoverableError(`targetTime ${again.message}`) : again;
      });
    }
  }

  /** Age of the newest archived file: the current RPO, for /metrics. */
  async lastArchivedAt(): Promise<Date | undefined> {
    const [newest] = await this.em.getConnection().execute<{ archived_at: Date | null }[]>('select max(archived_at) as archived_at from wal_segments where cardinality(providers) > 0');
    return newest?.archived_at ? new Date(newest.archived_at) : undefined;
  }

  /**
   * The WAL sweep (REPLICATION_CRON): every file a provider lacks is copied there from one that has it (sha256
   * checked), every file the index lacks is recorded, and base backups get their range sidecar where a copy lacks it.
   */
  async sweep(): Promise<WalSweepReport> {
    const listing = await listArchive(this.storage.providers);
    const report: WalSweepReport = { files: listing.union.size, recorded: 0, copied: 0, failed: [], rangeSidecarsWritten: 0 };
    const known = new Map((await this.em.fork().find(WalSegment, {}, { fields: ['name', 'providers'] })).map((r) => [r.name, r.providers]));
    const names = [...listing.union.keys()].sort();
    for (let i = 0; i < names.length; i += COPY_BATCH) {
      const upserts: WalSegment[] = [];
      for (const name of names.slice(i, i + COPY_BATCH)) {
        const holders = [...listing.byProvider].filter(([, files]) => files.has(name)).map(([provider]) => provider);
        for (const [provider, files] of listing.byProvider) {
          if (files.has(name)) continue;
          try {
            await copyWalFile(this.storage.require(holders[0]), this.storage.require(provider), name);
            holders.push(provider);
            report.copied += 1;
          } catch (error) {
            report.failed.push({ file: name, provider, reason: (error as Error).message });
          }
        }
        const recorded = known.get(name);
        if (recorded && sameSet(recorded, holders)) continue;
        const sidecar = await readWalSidecar(this.storage.require(holders[0]), name).catch(() => null);
        if (sidecar) upserts.push(WalSegment.fromSidecar(sidecar, holders));
      }
      if (upserts.length > 0) {
        await this.em.fork().upsertMany(WalSegment, upserts);
        report.recorded += upserts.length;
      }
    }
    await this.markGone(listing, [...known.keys()]);
    report.rangeSidecarsWritten = await this.writeMissingRangeSidecars();
    if (report.copied || report.recorded || report.failed.length) this.logger.log(`WAL sweep: ${report.files} files, ${report.copied} copies made, ${report.recorded} recorded, ${report.failed.length} copies failed`);
    return report;
  }

  /** Files gone from every provider (all of them answered) keep their row, with no provider: the index shows the gap. */
  private async markGone(listing: ArchiveListing, known?: string[]): Promise<void> {
    if (listing.unreachable.length > 0) return;
    const names = known ?? (await this.em.fork().find(WalSegment, {}, { fields: ['name'] })).map((r) => r.name);
    const gone = names.filter((name) => !listing.union.has(name));
    if (gone.length > 0) await this.em.fork().nativeUpdate(WalSegment, { name: { $in: gone } }, { providers: [] });
  }

  /** Writes the range sidecar of a base backup beside each stored copy (all, or at `providers`) that lacks it. */
  async writeRangeSidecars(backupId: string, providers?: string[]): Promise<number> {
    const em = this.em.fork();
    const record = await em.findOne(BackupRecord, { id: backupId, type: BackupType.BASE }, { populate: ['locations'] });
    const range = await em.findOne(BaseBackupRange, { backupId });
    if (!record || !range) return 0;
    let written = 0;
    for (const location of record.locations.getItems()) {
      if (location.status !== LocationStatus.STORED || (providers && !providers.includes(location.provider)) || !this.storage.names.includes(location.provider)) continue;
      const adapter = this.storage.require(location.provider);
      const key = baseBackupRangeKeyFor(location.key);
      if (await adapter.head(key).catch(() => null)) continue;
      try {
        await adapter.put(key, baseRangeBody(range.toSidecar()), { contentType: 'application/json' });
        written += 1;
      } catch (error) {
        this.logger.warn(`range sidecar of base backup ${backupId} not written at ${location.provider}: ${(error as Error).message}`);
      }
    }
    return written;
  }

  private async writeMissingRangeSidecars(): Promise<number> {
    let written = 0;
    for (const base of await this.bases()) written += await this.writeRangeSidecars(base.id);
    return written;
  }

  /**
   * The chain of every kept base backup, walked in the buckets from its first segment to the newest one, and the
   * files some reachable provider lacks. Verification reports the gaps and the degraded copies.
   */
  async chainReport(): Promise<WalChainReport> {
    const bases = await this.bases();
    const listing = await listArchive(this.storage.providers);
    await this.markGone(listing);
    const view = await this.viewOfBuckets(bases, listing);
    const coverage = coverageOf(view);
    const range = recoverableRange(coverage);
    const incomplete: WalChainReport['incomplete'] = [];
    let incompleteCount = 0;
    for (const name of [...listing.union.keys()].sort()) {
      const missingAt = [...listing.byProvider].filter(([, files]) => !files.has(name)).map(([provider]) => provider);
      if (missingAt.length === 0) continue;
      incompleteCount += 1;
      if (incomplete.length < 100) incomplete.push({ file: name, missingAt });
    }
    return {
      checkedAt: new Date().toISOString(),
      range: { from: range.from?.toISOString() ?? null, to: range.to?.toISOString() ?? null, lastSegment: range.lastSegment },
      bases: coverage.map(chainOf),
      incomplete,
      incompleteCount,
      unreachable: listing.unreachable,
    };
  }

  /**
   * Deletes, at every provider and from the index, the WAL no kept base backup needs: every segment (and backup
   * history or partial file) that ends before the first segment of the oldest kept base backup, on any timeline.
   * Timeline history files are kept (they are tiny and recovery reads them). Nothing is deleted while a kept base
   * backup's range is unknown, or when no base backup is kept.
   */
  async prune(keptBaseIds: string[], dryRun: boolean): Promise<WalPruneReport> {
    if (keptBaseIds.length === 0) return { keepFrom: null, reason: 'no base backup is kept: WAL is kept whole', deleted: 0, failed: [] };
    const ranges = await this.em.fork().find(BaseBackupRange, { backupId: { $in: keptBaseIds } });
    if (ranges.length < keptBaseIds.length) return { keepFrom: null, reason: 'a kept base backup has no known WAL range: WAL is kept whole', deleted: 0, failed: [] };
    const oldest = ranges.reduce((a, b) => (parseLsn(a.startLsn) <= parseLsn(b.startLsn) ? a : b));
    const size = oldest.walSegmentSize;
    const horizon = (parseLsn(oldest.startLsn) / BigInt(size)) * BigInt(size);
    const listing = await listArchive(this.storage.providers);
    const expired = [...new Set([...listing.union.keys(), ...(await this.em.fork().find(WalSegment, {}, { fields: ['name'] })).map((r) => r.name)])].filter((name) => {
      const file = parseWalFileName(name);
      return file.kind !== 'history' && segmentStartLsn(file, size) + BigInt(size) <= horizon;
    });
    const report: WalPruneReport = { keepFrom: `${oldest.startLsn} (base backup ${oldest.backupId})`, reason: `needed from the oldest kept base backup, ${oldest.backupId}, on`, deleted: 0, failed: [] };
    if (dryRun) return { ...report, deleted: expired.length };
    for (const name of expired) {
      try {
        await Promise.all(this.storage.providers.map((adapter) => deleteWalFile(adapter, name)));
        await this.em.fork().nativeDelete(WalSegment, { name });
        report.deleted += 1;
      } catch (error) {
        report.failed.push({ file: name, reason: (error as Error).message });
      }
    }
    if (report.deleted) this.logger.log(`WAL retention: ${report.deleted} files before ${oldest.startLsn} deleted`);
    return report;
  }
}

function chainOf(c: BaseCoverage): BaseChainReport {
  return { baseBackupId: c.base.id, firstSegment: c.walk.firstSegment, lastContiguous: c.walk.lastContiguous, coveredUntil: c.walk.coveredUntil?.toISOString() ?? null, usable: c.walk.usable, gaps: c.walk.gaps };
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
