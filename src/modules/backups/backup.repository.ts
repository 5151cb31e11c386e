import { EntityRepository } from '@mikro-orm/postgresql';
import { BackupRecord } from './backup.entity';
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
}
