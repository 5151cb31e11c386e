import { LoadStrategy, PopulateHint } from '@mikro-orm/core';
import { EntityRepository } from '@mikro-orm/postgresql';
import type { ProviderName } from '../../../libs/storage/storage.port';
import type { BackupRecord } from './backup.entity';
import { BackupStatus, BackupType, LocationStatus } from './backup.types';

export class BackupRepository extends EntityRepository<BackupRecord> {
  findOneWithLocations(id: string): Promise<BackupRecord | null> {
    return this.findOne({ id }, { populate: ['locations'] });
  }

  /** Newest first, with locations. */
  findPage(where: { type: BackupType | BackupType[]; tenantId?: string }, limit: number, offset: number): Promise<[BackupRecord[], number]> {
    const filter = { type: Array.isArray(where.type) ? { $in: where.type } : where.type, ...(where.tenantId ? { tenantId: where.tenantId } : {}) };
    return this.findAndCount(filter, { populate: ['locations'], orderBy: { createdAt: 'desc', id: 'desc' }, limit, offset });
  }

  /** Completed backups that still miss a copy at some provider. */
  findWithMissingCopies(limit = 100): Promise<BackupRecord[]> {
    return this.find(
      { status: BackupStatus.COMPLETED, locations: { status: { $ne: LocationStatus.STORED } } },
      { populate: ['locations'], orderBy: { createdAt: 'asc' }, limit },
    );
  }

  /** Completed TENANT and PRE_RESTORE backups of a tenant with a stored copy (at `provider` when given), newest first. */
  findRestorePoints(tenantId: string, provider: ProviderName | undefined, limit: number, offset: number): Promise<[BackupRecord[], number]> {
    return this.findAndCount(
      { tenantId, type: { $in: [BackupType.TENANT, BackupType.PRE_RESTORE] }, status: BackupStatus.COMPLETED, locations: { status: LocationStatus.STORED, ...(provider ? { provider } : {}) } },
      { populate: ['locations'], populateWhere: PopulateHint.ALL, strategy: LoadStrategy.SELECT_IN, orderBy: { createdAt: 'desc', id: 'desc' }, limit, offset },
    );
  }

  /** Each tenant's newest completed TENANT backup created at or before `at` with a stored copy (at `provider` when given): tenant id → backup id. */
  async findNewestTenantBackups(at: Date, provider?: ProviderName): Promise<Map<string, string>> {
    const rows = await this.getEntityManager().getConnection().execute<{ tenant_id: string; id: string }[]>(
      `select distinct on (b.tenant_id) b.tenant_id, b.id from backup_records b
       where b.type = ? and b.status = ? and b.created_at <= ?
         and exists (select 1 from backup_locations l where l.backup_id = b.id and l.status = ?${provider ? ' and l.provider = ?' : ''})
       order by b.tenant_id, b.created_at desc, b.id desc`,
      [BackupType.TENANT, BackupStatus.COMPLETED, at, LocationStatus.STORED, ...(provider ? [provider] : [])],
    );
    return new Map(rows.map((r) => [r.tenant_id, r.id]));
  }
}
