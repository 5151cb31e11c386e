import { raw } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { ProviderName } from '../../../libs/storage/storage.port';
import { BackupLocation, BackupStatus, LocationStatus } from '../backups';
import { estimatedMonthlyCost, StorageService } from '../storage';
import { RunStatus } from './background-run';
import { ProviderScan, ScanKind, StorageScan } from './storage-scan.entity';

export interface ProviderStatus {
  provider: ProviderName;
  primary: boolean;
  reachable: boolean;
  error?: string;
  /** Copies of completed backups the catalog records as stored there, and their bytes (sidecars not counted). */
  objects: number;
  bytes: number;
  estimatedMonthlyCostUsd: number;
  /** The newest recount: every object actually there. */
  lastRecount?: { scanId: string; at: Date; objects?: number; bytes?: number; error?: string };
  /** What orphan sweeps removed: the newest real sweep, and all of them together. */
  reclaimed: { lastSweepId?: string; lastSweepAt?: Date; objects: number; bytes: number; incompleteUploads: number; totalObjects: number; totalBytes: number; totalIncompleteUploads: number };
}

/**
 * /storage/status from the catalog: per provider, what the completed backups' copies add up to (one query, however many
 * objects there are), whether the provider answers, the last recount and what orphan sweeps reclaimed. Walking every
 * object is a recount job's work, never a status request's.
 */
@Injectable()
export class StorageStatusService {
  constructor(
    private readonly em: EntityManager,
    private readonly storage: StorageService,
  ) {}

  async status(): Promise<ProviderStatus[]> {
    const em = this.em.fork();
    const [reachability, totals, sweeps, recount] = await Promise.all([
      this.storage.reachability(),
      em
        .createQueryBuilder(BackupLocation, 'l')
        .select(['l.provider', raw('count(*) as objects'), raw('coalesce(sum(l.size), 0) as bytes')])
        .join('l.backup', 'b')
        .where({ status: LocationStatus.STORED, backup: { status: BackupStatus.COMPLETED } })
        .groupBy('l.provider')
        .execute<{ provider: string; objects: string; bytes: string }[]>(),
      em.fork().find(StorageScan, { kind: ScanKind.SWEEP, dryRun: false, status: RunStatus.COMPLETED }, { fields: ['id', 'completedAt', 'providers'], orderBy: { completedAt: 'desc' } }),
      em.fork().findOne(StorageScan, { kind: ScanKind.RECOUNT, status: RunStatus.COMPLETED }, { orderBy: { completedAt: 'desc' } }),
    ]);
    return reachability.map((r) => {
      const total = totals.find((t) => t.provider === r.provider);
      const bytes = Number(total?.bytes ?? 0);
      const of = (scan: { providers?: ProviderScan[] } | null | undefined): ProviderScan | undefined => scan?.providers?.find((p) => p.provider === r.provider);
      const last = sweeps[0];
      const counted = of(recount);
      const sum = (field: 'orphanObjects' | 'orphanBytes' | 'incompleteUploads') => sweeps.reduce((n, s) => n + (of(s)?.[field] ?? 0), 0);
      return {
        ...r,
        objects: Number(total?.objects ?? 0),
        bytes,
        estimatedMonthlyCostUsd: estimatedMonthlyCost(r.provider, bytes),
        ...(recount && counted ? { lastRecount: { scanId: recount.id, at: recount.completedAt!, objects: counted.objects, bytes: counted.bytes, error: counted.error } } : {}),
        reclaimed: {
          lastSweepId: last?.id,
          lastSweepAt: last?.completedAt,
          objects: of(last)?.orphanObjects ?? 0,
          bytes: of(last)?.orphanBytes ?? 0,
          incompleteUploads: of(last)?.incompleteUploads ?? 0,
          totalObjects: sum('orphanObjects'),
          totalBytes: sum('orphanBytes'),
          totalIncompleteUploads: sum('incompleteUploads'),
        },
      };
    });
  }
}
