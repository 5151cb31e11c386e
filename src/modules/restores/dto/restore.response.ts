import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PROVIDER_NAMES } from '../../../../libs/storage/storage.port';
import { PageMeta } from '../../../common/pagination';
import { BackupRecord, BackupType, LocationStatus, VerificationStatus } from '../../backups';
import { RestoreItem } from '../restore-item.entity';
import { RestoreOperation } from '../restore-operation.entity';
import { RestoreValidation } from '../restore-validator.service';
import { RestoreItemStatus, RestoreMode, RestoreStatus, RestoreType } from '../restore.types';

const rowsSchema = { type: 'object', additionalProperties: { type: 'number' }, description: 'Rows written per table (schema.table)' } as const;

export class RestoreItemResponse {
  @ApiProperty({ format: 'uuid' }) tenantId!: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'Absent when no backup could be found for the tenant; for a point-in-time restore, the base backup the platform was recovered from' }) backupId?: string;
  @ApiPropertyOptional({ description: 'Point-in-time restores: the instant the tenant is restored to' }) targetTime?: Date;
  @ApiProperty({ enum: RestoreItemStatus }) status!: RestoreItemStatus;
  @ApiProperty({ minimum: 0, maximum: 100 }) progress!: number;
  @ApiPropertyOptional({ description: 'What it is doing now: recovering the platform in a scratch cluster, validated, pre-restore snapshot, restoring a table, restored' }) phase?: string;
  @ApiPropertyOptional({ enum: PROVIDER_NAMES, description: 'The provider whose copy was restored' }) provider?: string;
  @ApiPropertyOptional(rowsSchema) rowsRestored?: Record<string, number>;
  @ApiPropertyOptional({ format: 'uuid', description: 'PRE_RESTORE backup taken before the tenant was overwritten: restore it to roll back' }) preRestoreBackupId?: string;
  @ApiPropertyOptional() errorMessage?: string;
  @ApiPropertyOptional() startedAt?: Date;
  @ApiPropertyOptional() completedAt?: Date;

  static from(i: RestoreItem): RestoreItemResponse {
    return {
      tenantId: i.tenantId,
      backupId: i.backupId,
      targetTime: i.targetTime,
      status: i.status,
      progress: i.progress,
      phase: i.phase,
      provider: i.provider,
      rowsRestored: i.rowsRestored,
      preRestoreBackupId: i.preRestoreBackupId,
      errorMessage: i.errorMessage,
      startedAt: i.startedAt,
      completedAt: i.completedAt,
    };
  }
}

export class RestoreResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: RestoreType }) type!: RestoreType;
  @ApiProperty({ enum: RestoreMode }) mode!: RestoreMode;
  @ApiProperty({ enum: RestoreStatus, description: 'PARTIAL: some tenants of a multi-tenant restore failed; see items' }) status!: RestoreStatus;
  @ApiProperty({ minimum: 0, maximum: 100 }) progress!: number;
  @ApiPropertyOptional({ enum: PROVIDER_NAMES, description: 'The provider requested, if any' }) provider?: string;
  @ApiProperty() skipValidation!: boolean;
  @ApiPropertyOptional({ description: 'ALL restores: backups at or before this instant' }) backupDate?: Date;
  @ApiPropertyOptional({ format: 'uuid', description: 'INDIVIDUAL restores: the tenant' }) tenantId?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'INDIVIDUAL restores: the backup restored (point-in-time: the base backup recovered from)' }) backupId?: string;
  @ApiPropertyOptional({ description: 'INDIVIDUAL point-in-time restores: the instant the tenant is restored to' }) targetTime?: Date;
  @ApiPropertyOptional({ description: 'INDIVIDUAL restores: what it is doing now' }) phase?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'INDIVIDUAL restores: the rollback snapshot' }) preRestoreBackupId?: string;
  @ApiPropertyOptional({ ...rowsSchema, description: 'INDIVIDUAL restores: rows written per table' }) rowsRestored?: Record<string, number>;
  @ApiProperty({ type: [RestoreItemResponse], description: 'One per tenant, in the order they are restored' }) items!: RestoreItemResponse[];
  @ApiPropertyOptional() errorMessage?: string;
  @ApiProperty() initiatedBy!: string;
  @ApiProperty() createdAt!: Date;
  @ApiPropertyOptional() startedAt?: Date;
  @ApiPropertyOptional() completedAt?: Date;

  static from(r: RestoreOperation): RestoreResponse {
    const items = r.items.getItems();
    const single = r.type === RestoreType.INDIVIDUAL ? items[0] : undefined;
    return {
      id: r.id,
      type: r.type,
      mode: r.mode,
      status: r.status,
      progress: r.progress,
      provider: r.provider,
      skipValidation: r.skipValidation,
      backupDate: r.backupDate,
      tenantId: single?.tenantId,
      backupId: single?.backupId,
      targetTime: single?.targetTime,
      phase: single?.phase,
      preRestoreBackupId: single?.preRestoreBackupId,
      rowsRestored: single?.rowsRestored,
      items: items.map(RestoreItemResponse.from),
      errorMessage: r.errorMessage,
      initiatedBy: r.initiatedBy,
      createdAt: r.createdAt,
      startedAt: r.startedAt,
      completedAt: r.completedAt,
    };
  }
}

export class RestorePage extends PageMeta {
  @ApiProperty({ type: [RestoreResponse] }) items!: RestoreResponse[];
}

export class RestoreValidationResponse {
  @ApiProperty({ format: 'uuid' }) backupId!: string;
  @ApiProperty({ format: 'uuid' }) tenantId!: string;
  @ApiProperty() valid!: boolean;
  @ApiPropertyOptional({ enum: PROVIDER_NAMES, nullable: true, description: 'The copy a restore would use' }) provider!: string | null;
  @ApiProperty({ type: [String], description: 'What is wrong; on a valid result, copies that failed before the one chosen' }) problems!: string[];

  static from(backup: BackupRecord, v: RestoreValidation): RestoreValidationResponse {
    return { backupId: backup.id, tenantId: backup.tenantId!, valid: v.valid, provider: v.provider, problems: v.problems };
  }
}

export class RestorePointResponse {
  @ApiProperty({ format: 'uuid' }) backupId!: string;
  @ApiProperty({ enum: [BackupType.TENANT, BackupType.PRE_RESTORE] }) type!: BackupType;
  @ApiProperty({ enum: PROVIDER_NAMES, isArray: true, description: 'Providers holding a stored copy' }) providers!: string[];
  @ApiProperty({ enum: VerificationStatus }) verificationStatus!: VerificationStatus;
  @ApiPropertyOptional() storedBytes?: number;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'number' } }) rowCounts?: Record<string, number>;
  @ApiProperty() initiatedBy!: string;
  @ApiProperty() createdAt!: Date;
  @ApiPropertyOptional() completedAt?: Date;
  @ApiPropertyOptional() expiresAt?: Date;

  static from(b: BackupRecord): RestorePointResponse {
    return {
      backupId: b.id,
      type: b.type,
      providers: b.locations.getItems().filter((l) => l.status === LocationStatus.STORED).map((l) => l.provider),
      verificationStatus: b.verificationStatus,
      storedBytes: b.storedBytes,
      rowCounts: b.rowCounts,
      initiatedBy: b.initiatedBy,
      createdAt: b.createdAt,
      completedAt: b.completedAt,
      expiresAt: b.expiresAt,
    };
  }
}

export class ContinuousRangeResponse {
  @ApiPropertyOptional({ nullable: true, description: 'The earliest instant a point-in-time restore can reach (the oldest usable base backup’s end)' }) from!: Date | null;
  @ApiPropertyOptional({ nullable: true, description: 'The latest instant: where the archived WAL of the newest base backup ends or breaks (the RPO is now minus this)' }) to!: Date | null;
  @ApiPropertyOptional({ nullable: true, description: 'The last WAL segment of that chain' }) lastSegment!: string | null;
  @ApiProperty({ description: 'Base backups whose chain is usable' }) baseBackups!: number;
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'Runs of WAL segments missing at every provider after the newest base backup: recovery cannot pass them' }) gaps!: { first: string; last: string; count: number }[];
}

export class RestorePointPage extends PageMeta {
  @ApiProperty({ type: [RestorePointResponse] }) items!: RestorePointResponse[];
  @ApiPropertyOptional({ type: ContinuousRangeResponse, nullable: true, description: 'Point-in-time restore (targetTime): any second of this range can be restored; null when the archive could not be read' })
  continuous!: ContinuousRangeResponse | null;
}
