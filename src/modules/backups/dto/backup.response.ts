import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PROVIDER_NAMES } from '../../../../libs/storage/storage.port';
import { PageMeta } from '../../../common/pagination';
import { BackupRecord } from '../backup.entity';
import { BackupStatus, BackupType, LocationStatus, VerificationStatus } from '../backup.types';

export class BackupLocationResponse {
  @ApiProperty({ enum: PROVIDER_NAMES }) provider!: string;
  @ApiProperty() key!: string;
  @ApiProperty({ enum: LocationStatus }) status!: LocationStatus;
  @ApiPropertyOptional() size?: number;
  @ApiProperty({ enum: VerificationStatus }) verificationStatus!: VerificationStatus;
  @ApiPropertyOptional() verifiedAt?: Date;
  @ApiPropertyOptional() error?: string;
}

export class BackupResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: BackupType }) type!: BackupType;
  @ApiPropertyOptional({ format: 'uuid' }) tenantId?: string;
  @ApiProperty({ enum: BackupStatus }) status!: BackupStatus;
  @ApiProperty({ enum: VerificationStatus }) verificationStatus!: VerificationStatus;
  @ApiProperty({ minimum: 0, maximum: 100 }) progress!: number;
  @ApiProperty({ type: [BackupLocationResponse] }) locations!: BackupLocationResponse[];
  @ApiPropertyOptional({ description: 'Bytes of the plaintext archive' }) rawBytes?: number;
  @ApiPropertyOptional() compressedBytes?: number;
  @ApiPropertyOptional({ description: 'Bytes of the encrypted object' }) storedBytes?: number;
  @ApiPropertyOptional() compressionRatio?: number;
  @ApiPropertyOptional({ description: 'sha256 of the stored object' }) sha256?: string;
  @ApiProperty() compression!: string;
  @ApiPropertyOptional({ description: 'Fingerprint of the encryption key (never the key)' }) keyId?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'number' } }) rowCounts?: Record<string, number>;
  @ApiPropertyOptional() durationMs?: number;
  @ApiPropertyOptional() errorMessage?: string;
  @ApiPropertyOptional({ description: 'When an operator asked to stop it, and who' }) cancelRequestedAt?: Date;
  @ApiPropertyOptional() cancelRequestedBy?: string;
  @ApiProperty() initiatedBy!: string;
  @ApiProperty() createdAt!: Date;
  @ApiPropertyOptional() startedAt?: Date;
  @ApiPropertyOptional() completedAt?: Date;
  @ApiPropertyOptional() expiresAt?: Date;

  static from(r: BackupRecord): BackupResponse {
    return {
      id: r.id,
      type: r.type,
      tenantId: r.tenantId,
      status: r.status,
      verificationStatus: r.verificationStatus,
      progress: r.progress,
      locations: r.locations.getItems().map((l) => ({ provider: l.provider, key: l.key, status: l.status, size: l.size, verificationStatus: l.verificationStatus, verifiedAt: l.verifiedAt, error: l.error })),
      rawBytes: r.rawBytes,
      compressedBytes: r.compressedBytes,
      storedBytes: r.storedBytes,
      compressionRatio: r.compressionRatio,
      sha256: r.sha256,
      compression: r.compression,
      keyId: r.keyId,
      rowCounts: r.rowCounts,
      durationMs: r.durationMs,
      errorMessage: r.errorMessage,
      cancelRequestedAt: r.cancelRequestedAt,
      cancelRequestedBy: r.cancelRequestedBy,
      initiatedBy: r.initiatedBy,
      createdAt: r.createdAt,
      startedAt: r.startedAt,
      completedAt: r.completedAt,
      expiresAt: r.expiresAt,
    };
  }
}

export class BackupPage extends PageMeta {
  @ApiProperty({ type: [BackupResponse] }) items!: BackupResponse[];
}

export class SkippedTenant {
  @ApiProperty({ format: 'uuid' }) tenantId!: string;
  @ApiProperty() reason!: string;
}

export class BulkBackupResponse {
  @ApiProperty({ type: [BackupResponse] }) accepted!: BackupResponse[];
  @ApiProperty({ type: [SkippedTenant], description: 'Tenants not enqueued (busy, unknown) with the reason' }) skipped!: SkippedTenant[];
}
