import { Entity, EntityRepositoryType, Enum, Index, OneToOne, PrimaryKeyProp, Property, rel } from '@mikro-orm/core';
import { BackupRecord, BackupStatus } from '../backups';
import { CustomerExportRepository } from './customer-export.repository';
import { utcDay } from './export-day';

export enum ExpiryReason {
  /** CUSTOMER_BACKUP_TTL_HOURS passed since the request. */
  TTL = 'TTL',
  /** The first complete download, with CUSTOMER_BACKUP_DELETE_AFTER_DOWNLOAD=true. */
  DOWNLOADED = 'DOWNLOADED',
}

/**
 * What a customer export adds to its backup record (type CUSTOMER, whose lifecycle is Backups'): the day whose
 * allowance it uses, its download window, its downloads, and when and why its file was deleted.
 */
@Entity({ tableName: 'customer_exports', repository: () => CustomerExportRepository })
@Index({ properties: ['tenantId', 'day'] })
export class CustomerExport {
  [EntityRepositoryType]?: CustomerExportRepository;
  [PrimaryKeyProp]?: 'backup';

  @OneToOne({ entity: () => BackupRecord, primary: true, owner: true, deleteRule: 'cascade' })
  backup!: BackupRecord;

  @Property({ type: 'uuid' })
  tenantId!: string;

  /** The UTC day of the request, `YYYY-MM-DD`. */
  @Property({ columnType: 'date', type: 'string' })
  day!: string;

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  /** Complete downloads: responses that delivered the file's last byte. */
  @Property({ type: 'integer' })
  downloadCount = 0;

  @Property({ type: 'timestamptz', nullable: true })
  lastDownloadedAt?: Date;

  @Property({ type: 'timestamptz', nullable: true })
  expiredAt?: Date;

  @Enum({ items: () => ExpiryReason, nullable: true })
  expiredBecause?: ExpiryReason;

  /**
   * The allowance taken by a just-requested export: the day of its request, downloadable for `ttlHours` from then. The
   * record is referenced by id: it belongs to the unit of work of Backups' request, not to the caller's.
   */
  static reserve(record: BackupRecord, ttlHours: number): CustomerExport {
    const row = new CustomerExport();
    Object.assign(row, {
      backup: rel(BackupRecord, record.id),
      tenantId: record.tenantId,
      day: utcDay(record.createdAt),
      expiresAt: new Date(record.createdAt.getTime() + ttlHours * 3_600_000),
    });
    return row;
  }

  get id(): string {
    return this.backup.id;
  }

  /** The status a customer sees: EXPIRED as soon as the window closes, even before the hourly job deletes the file. */
  statusAt(now: Date): BackupStatus {
    const status = this.backup.status;
    return status === BackupStatus.COMPLETED && (this.expiredAt || now >= this.expiresAt) ? BackupStatus.EXPIRED : status;
  }

  downloadableAt(now: Date): boolean {
    return this.statusAt(now) === BackupStatus.COMPLETED;
  }
}
