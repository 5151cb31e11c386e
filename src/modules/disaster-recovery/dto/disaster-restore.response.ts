import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PROVIDER_NAMES } from '../../../../libs/storage/storage.port';
import { IsUUID } from 'class-validator';
import { PageMeta } from '../../../common/pagination';
import { DisasterRestore, DisasterRestoreStatus } from '../disaster-restore.entity';

export class DisasterRestoreResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) backupId!: string;
  @ApiPropertyOptional({ enum: PROVIDER_NAMES }) provider?: string;
  @ApiProperty({ enum: DisasterRestoreStatus }) status!: DisasterRestoreStatus;
  @ApiProperty({ minimum: 0, maximum: 100, description: 'Share of the stored object downloaded and restored' }) progress!: number;
  @ApiProperty({ description: 'The target database URL with its password replaced by ***' }) target!: string;
  @ApiProperty() cleanTarget!: boolean;
  @ApiPropertyOptional({ description: 'Bytes of the pg_dump stream restored' }) dumpBytes?: number;
  @ApiPropertyOptional() errorMessage?: string;
  @ApiProperty() initiatedBy!: string;
  @ApiProperty() createdAt!: Date;
  @ApiPropertyOptional() startedAt?: Date;
  @ApiPropertyOptional() completedAt?: Date;
  @ApiPropertyOptional() durationMs?: number;

  static from(r: DisasterRestore): DisasterRestoreResponse {
    return {
      id: r.id,
      backupId: r.backupId,
      provider: r.provider,
      status: r.status,
      progress: r.progress,
      target: r.target,
      cleanTarget: r.cleanTarget,
      dumpBytes: r.dumpBytes,
      errorMessage: r.errorMessage,
      initiatedBy: r.initiatedBy,
      createdAt: r.createdAt,
      startedAt: r.startedAt,
      completedAt: r.completedAt,
      durationMs: r.durationMs,
    };
  }
}

export class DisasterRestorePage extends PageMeta {
  @ApiProperty({ type: [DisasterRestoreResponse] }) items!: DisasterRestoreResponse[];
}

export class RestoreIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'restoreId must be a UUID' })
  restoreId!: string;
}
