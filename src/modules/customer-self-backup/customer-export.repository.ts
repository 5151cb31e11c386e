import { EntityRepository } from '@mikro-orm/postgresql';
import { BackupStatus } from '../backups';
import type { CustomerExport } from './customer-export.entity';

export class CustomerExportRepository extends EntityRepository<CustomerExport> {
  /**
   * For the caller's transaction: takes the row lock of (tenant, day), then counts that day's exports that have not
   * failed. Concurrent requests of one tenant queue on the row, so each one counts what those before it committed.
   */
  async lockDayAndCountUsed(tenantId: string, day: string): Promise<number> {
    const em = this.getEntityManager();
    const connection = em.getConnection();
    const tx = em.getTransactionContext();
    await connection.execute(`insert into customer_export_days (tenant_id, day) values (?, ?) on conflict do nothing`, [tenantId, day], 'run', tx);
    await connection.execute(`select 1 from customer_export_days where tenant_id = ? and day = ? for update`, [tenantId, day], 'all', tx);
    return this.countUsed(tenantId, day);
  }

  /** A failed export gives its allowance back: only exports that may still be (or were) delivered count. */
  countUsed(tenantId: string, day: string): Promise<number> {
    return this.count({ tenantId, day, backup: { status: { $ne: BackupStatus.FAILED } } });
  }

  findOfTenant(tenantId: string, backupId: string): Promise<CustomerExport | null> {
    return this.findOne({ backup: backupId, tenantId }, { populate: ['backup.locations'] });
  }

  findLatestOfTenant(tenantId: string): Promise<CustomerExport | null> {
    return this.findOne({ tenantId }, { populate: ['backup'], orderBy: { backup: { createdAt: 'desc', id: 'desc' } } });
  }

  /** Newest first. */
  findPageOfTenant(tenantId: string, limit: number, offset: number): Promise<[CustomerExport[], number]> {
    return this.findAndCount({ tenantId }, { populate: ['backup'], orderBy: { backup: { createdAt: 'desc', id: 'desc' } }, limit, offset });
  }

  /** Completed exports whose download window closed by `now` and whose file is still there, oldest first. */
  findDue(now: Date, limit: number): Promise<CustomerExport[]> {
    return this.find(
      { expiredAt: null, expiresAt: { $lte: now }, backup: { status: BackupStatus.COMPLETED } },
      { populate: ['backup.locations'], orderBy: { expiresAt: 'asc' }, limit },
    );
  }

  /** One more complete download, counted in the database so that concurrent downloads all count. */
  async countDownload(backupId: string, at: Date): Promise<void> {
    await this.getEntityManager().getConnection().execute(`update customer_exports set download_count = download_count + 1, last_downloaded_at = ? where backup_id = ?`, [at, backupId], 'run');
  }
}
