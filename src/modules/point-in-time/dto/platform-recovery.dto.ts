import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Equals, IsBoolean, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { PlatformRecovery, PlatformRecoveryStatus } from '../platform-recovery.entity';

export const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})$/;

export class PlatformRecoveryBody {
  @ApiProperty({ example: '2026-12-02T14:32:00Z', description: 'The instant to recover to (ISO 8601 with a time zone); it must lie in the range the archive covers' })
  @IsISO8601({ strict: true }, { message: 'targetTime must be an ISO 8601 date-time with a time zone' })
  @Matches(ISO_INSTANT, { message: 'targetTime must be an ISO 8601 date-time with a time zone, e.g. 2026-12-02T14:32:00Z' })
  targetTime!: string;

  @ApiProperty({ example: '/var/lib/postgresql/15/recovered', description: 'An absolute path on the worker’s machine: a new or empty directory whose parent exists' })
  @IsString({ message: 'dataDir must be a string' })
  @MaxLength(200, { message: 'dataDir must be at most 200 characters' })
  @Matches(/^\/(?:[A-Za-z0-9._-]+\/?)+$/, { message: 'dataDir must be an absolute path of plain segments (letters, digits, . _ -)' })
  dataDir!: string;

  @ApiPropertyOptional({ description: 'Port of the recovered server (default: a free one)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'port must be an integer' })
  @Min(1024, { message: 'port must be at least 1024' })
  @Max(65535, { message: 'port must be at most 65535' })
  port?: number;

  @ApiPropertyOptional({ default: false, description: 'Keep the backed-up archive_command: only for the server that becomes the platform (a drill must not archive into the same place)' })
  @IsOptional()
  @IsBoolean({ message: 'keepArchiving must be a boolean' })
  keepArchiving?: boolean;

  @ApiProperty({ enum: [true], description: 'Must be true: this starts a PostgreSQL server holding the whole platform' })
  @Equals(true, { message: 'confirm must be true: a platform recovery starts a server holding every tenant’s data' })
  confirm!: true;
}

export class PlatformRecoveryParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'recoveryId must be a UUID' })
  recoveryId!: string;
}

export class PlatformRecoveryResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: PlatformRecoveryStatus }) status!: PlatformRecoveryStatus;
  @ApiPropertyOptional({ description: 'What it is doing: downloading base backup, replaying WAL, target reached' }) phase?: string;
  @ApiProperty({ minimum: 0, maximum: 100 }) progress!: number;
  @ApiProperty() targetTime!: Date;
  @ApiProperty() dataDir!: string;
  @ApiProperty() port!: number;
  @ApiProperty() keepArchiving!: boolean;
  @ApiPropertyOptional({ format: 'uuid', description: 'The base backup recovery started from' }) baseBackupId?: string;
  @ApiPropertyOptional({ enum: ['target', 'end-of-archive'], description: 'end-of-archive: no commit after the target was archived, so the end of the archive is the state at the target' }) reachedBy?: string;
  @ApiPropertyOptional() errorMessage?: string;
  @ApiProperty() initiatedBy!: string;
  @ApiProperty() createdAt!: Date;
  @ApiPropertyOptional() startedAt?: Date;
  @ApiPropertyOptional() completedAt?: Date;

  static from(r: PlatformRecovery): PlatformRecoveryResponse {
    const { id, status, phase, progress, targetTime, dataDir, port, keepArchiving, baseBackupId, reachedBy, errorMessage, initiatedBy, createdAt, startedAt, completedAt } = r;
    return { id, status, phase, progress, targetTime, dataDir, port, keepArchiving, baseBackupId, reachedBy, errorMessage, initiatedBy, createdAt, startedAt, completedAt };
  }
}
