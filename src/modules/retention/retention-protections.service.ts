import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { BackupType, VerificationStatus } from '../backups';
import { DisasterRestore, DisasterRestoreStatus } from '../disaster-recovery';
import { PlatformDatabase, TenantNotFoundError } from '../platform';
import { RestoreItem, RestoreStatus } from '../restores';
import { BackupHolds } from './backup-holds.service';
import { RunStatus } from './background-run';
import { TestRestore } from './test-restore.entity';

/** What protection needs to know of a completed backup. */
export interface RetainedBackup {
  id: string;
  type: BackupType;
  tenantId?: string;
  createdAt: Date;
  verificationStatus: VerificationStatus;
}

/**
 * Why a backup must stay whatever its policy says (issue #12): a legal hold; a restore, disaster restore or test
 * restore in progress that uses it; the PRE_RESTORE snapshot of a tenant's latest restore (its rollback point); the
 * newest VERIFIED backup of each tenant that still exists; the newest verified disaster backup.
 */
@Injectable()
export class RetentionProtections {
  constructor(
    private readonly em: EntityManager,
    private readonly holds: BackupHolds,
    private readonly platform: PlatformDatabase,
  ) {}

  /** backup id → every reason it must stay, for the backups of one selection (all completed backups of their types). */
  async of(backups: RetainedBackup[]): Promise<Map<string, string[]>> {
    const ids = new Set(backups.map((b) => b.id));
    const reasons = await this.current(ids);
    const add = (id: string, reason: string) => reasons.set(id, [...(reasons.get(id) ?? []), reason]);
    for (const [tenantId, restoreId, backupId] of await this.latestRestoreSnapshots()) {
      if (ids.has(backupId)) add(backupId, `snapshot taken by restore ${restoreId}, the latest restore of tenant ${tenantId}`);
    }
    for (const backup of await this.newestVerified(backups)) {
      add(backup.id, backup.type === BackupType.DISASTER ? 'newest verified disaster backup' : 'newest verified backup of the tenant');
    }
    return reasons;
  }

  /**
   * The protections that can appear between a selection and its deletions (a hold placed, a restore started): checked
   * again right before each batch is deleted.
   */
  async current(ids: ReadonlySet<string>): Promise<Map<string, string[]>> {
    const reasons = new Map<string, string[]>();
    const add = (id: string | undefined, reason: string) => {
      if (id && ids.has(id)) reasons.set(id, [...(reasons.get(id) ?? []), reason]);
    };
    // Holds, restores and test restores in progress are few: all are read, then matched.
    for (const [backupId, reason] of await this.holds.active()) add(backupId, `legal hold: ${reason}`);
    const em = this.em.fork();
    const running = await em.find(RestoreItem, { restore: { status: { $in: [RestoreStatus.PENDING, RestoreStatus.IN_PROGRESS] } } });
    for (const item of running) {
      add(item.backupId, `restored by restore ${item.restore.id}, in progress`);
      add(item.preRestoreBackupId, `snapshot of restore ${item.restore.id}, in progress`);
    }
    const disaster = await em.find(DisasterRestore, { status: { $in: [DisasterRestoreStatus.PENDING, DisasterRestoreStatus.IN_PROGRESS] } });
    for (const restore of disaster) add(restore.backupId, `restored by disaster restore ${restore.id}, in progress`);
    const tests = await em.find(TestRestore, { status: { $in: [RunStatus.PENDING, RunStatus.RUNNING] } });
    for (const test of tests) add(test.backupId, `used by test restore ${test.id}, in progress`);
    return reasons;
  }

  /** [tenant, restore, snapshot] of each tenant's latest restore that took a snapshot: the tenant's current rollback point. */
  private async latestRestoreSnapshots(): Promise<[string, string, string][]> {
    const items = await this.em.fork().find(RestoreItem, { preRestoreBackupId: { $ne: null } }, { orderBy: { startedAt: 'desc', id: 'desc' } });
    const latest = new Map<string, RestoreItem>();
    for (const item of items) if (!latest.has(item.tenantId)) latest.set(item.tenantId, item);
    return [...latest.values()].map((item) => [item.tenantId, item.restore.id, item.preRestoreBackupId!]);
  }

  /** The newest VERIFIED TENANT backup of each tenant that still exists, and the newest verified DISASTER backup. */
  private async newestVerified(backups: RetainedBackup[]): Promise<RetainedBackup[]> {
    const newest = new Map<string, RetainedBackup>();
    for (const backup of backups) {
      if (backup.verificationStatus !== VerificationStatus.VERIFIED || (backup.type !== BackupType.TENANT && backup.type !== BackupType.DISASTER)) continue;
      const group = backup.type === BackupType.DISASTER ? 'platform' : backup.tenantId!;
      const known = newest.get(group);
      if (!known || backup.createdAt > known.createdAt || (+backup.createdAt === +known.createdAt && backup.id < known.id)) newest.set(group, backup);
    }
    const kept: RetainedBackup[] = [];
    for (const backup of newest.values()) {
      if (backup.type === BackupType.DISASTER || (await this.tenantExists(backup.tenantId!))) kept.push(backup);
    }
    return kept;
  }

  private async tenantExists(tenantId: string): Promise<boolean> {
    try {
      await this.platform.assertTenantExists(tenantId);
      return true;
    } catch (error) {
      if (error instanceof TenantNotFoundError) return false;
      throw error;
    }
  }
}
