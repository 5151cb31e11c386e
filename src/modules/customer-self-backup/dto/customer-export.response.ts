import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageMeta } from '../../../common/pagination';
import { BackupStatus } from '../../backups';
import type { DailyAllowance } from '../customer-exports.service';
import type { CustomerExport } from '../customer-export.entity';

/** One export as its tenant sees it: no storage keys, providers or internal errors. */
export class CustomerExportResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: [BackupStatus.PENDING, BackupStatus.IN_PROGRESS, BackupStatus.COMPLETED, BackupStatus.FAILED, BackupStatus.EXPIRED] }) status!: BackupStatus;
  @ApiProperty({ minimum: 0, maximum: 100 }) progress!: number;
  @ApiProperty() createdAt!: Date;
  @ApiPropertyOptional() completedAt?: Date;
  @ApiProperty({ description: 'After this the file is deleted and downloads answer 410' }) expiresAt!: Date;
  @ApiProperty({ description: 'Completed and not expired: GET downloadUrl serves the zip' }) downloadable!: boolean;
  @ApiPropertyOptional({ example: '/api/tenant/backup/download/3f0c…' }) downloadUrl?: string;
  @ApiPropertyOptional({ description: 'Bytes of the zip, what a download sends' }) sizeBytes?: number;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'number' }, description: 'Rows per table (`schema.table`)' }) rowCounts?: Record<string, number>;
  @ApiProperty({ description: 'Complete downloads so far' }) downloadCount!: number;
  @ApiPropertyOptional() lastDownloadedAt?: Date;
  @ApiPropertyOptional({ description: 'When the file was deleted' }) expiredAt?: Date;

  static from(row: CustomerExport, now: Date): CustomerExportResponse {
    const record = row.backup;
    const downloadable = row.downloadableAt(now);
    return {
      id: row.id,
      status: row.statusAt(now),
      progress: record.progress,
      createdAt: record.createdAt,
      completedAt: record.completedAt,
      expiresAt: row.expiresAt,
      downloadable,
      downloadUrl: downloadable ? `/api/tenant/backup/download/${row.id}` : undefined,
      sizeBytes: record.rawBytes,
      rowCounts: record.rowCounts,
      downloadCount: row.downloadCount,
      lastDownloadedAt: row.lastDownloadedAt,
      expiredAt: row.expiredAt,
    };
  }
}

export class CustomerExportPage extends PageMeta {
  @ApiProperty({ type: [CustomerExportResponse] }) items!: CustomerExportResponse[];
}

export class CustomerExportStatusResponse {
  @ApiPropertyOptional({ type: CustomerExportResponse, nullable: true, description: 'The newest export; null before the first' }) latest!: CustomerExportResponse | null;
  @ApiProperty({ description: 'The newest export can be downloaded now' }) downloadAvailable!: boolean;
  @ApiProperty({ description: 'Exports allowed per UTC day (CUSTOMER_BACKUP_DAILY_LIMIT)' }) dailyLimit!: number;
  @ApiProperty({ description: 'Exports of today (UTC) that did not fail' }) usedToday!: number;
  @ApiProperty() canCreate!: boolean;
  @ApiProperty({ description: 'Now while today’s allowance lasts, else the next UTC midnight' }) nextExportAllowedAt!: Date;

  static from(latest: CustomerExport | null, allowance: DailyAllowance, now: Date): CustomerExportStatusResponse {
    const view = latest && CustomerExportResponse.from(latest, now);
    return {
      latest: view,
      downloadAvailable: view?.downloadable ?? false,
      dailyLimit: allowance.limit,
      usedToday: allowance.usedToday,
      canCreate: allowance.usedToday < allowance.limit,
      nextExportAllowedAt: allowance.nextExportAllowedAt,
    };
  }
}
