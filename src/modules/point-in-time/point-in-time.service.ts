import { Injectable } from '@nestjs/common';
import { RecoverableRange, RecoveryPhase } from '../../../libs/pitr';
import { BackupRecord } from '../backups';
import { BaseBackupsService } from './base-backups.service';
import { RecoveredPlatform, ScratchClusters } from './scratch-clusters.service';
import { WalArchiveService, WalChainReport, WalPruneReport } from './wal-archive.service';

/**
 * The point-in-time face other contexts call: what can be recovered, the platform at a time in a scratch cluster (a
 * tenant restore reads one tenant from it), the WAL chain's state (verification), WAL retention, the RPO (metrics).
 */
@Injectable()
export class PointInTimeService {
  constructor(
    private readonly archive: WalArchiveService,
    private readonly scratch: ScratchClusters,
    private readonly baseBackups: BaseBackupsService,
  ) {}

  /** A BASE backup now (what POST /backups/base does); 409 while one runs. */
  requestBaseBackup(initiatedBy: string): Promise<BackupRecord> {
    return this.baseBackups.request(initiatedBy);
  }

  /** The continuous span of time that can be recovered (from the catalog's index of the archive). */
  recoverableRange(): Promise<RecoverableRange> {
    return this.archive.range();
  }

  /** NotRecoverableError (400) naming the covered range when `targetTime` is outside it. */
  assertRecoverable(targetTime: Date): Promise<void> {
    return this.archive.assertRecoverable(targetTime);
  }

  /** The platform recovered to `targetTime` in a scratch cluster for as long as `use` runs; always stopped and removed after. */
  withPlatformAt<T>(targetTime: Date, restoreId: string, onProgress: (phase: RecoveryPhase, percent: number) => void | Promise<void>, use: (platform: RecoveredPlatform) => Promise<T>): Promise<T> {
    return this.scratch.withPlatformAt(targetTime, restoreId, onProgress, use);
  }

  chainReport(): Promise<WalChainReport> {
    return this.archive.chainReport();
  }

  /** Deletes the WAL no kept base backup needs (or, with dryRun, counts it). */
  pruneWal(keptBaseBackupIds: string[], dryRun: boolean): Promise<WalPruneReport> {
    return this.archive.prune(keptBaseBackupIds, dryRun);
  }

  /** When the newest WAL file was archived: now minus this is the current RPO. */
  lastArchivedAt(): Promise<Date | undefined> {
    return this.archive.lastArchivedAt();
  }
}
