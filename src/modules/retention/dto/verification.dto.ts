import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { PROVIDER_NAMES } from '../../../../libs/storage/storage.port';
import { PageMeta, PaginationQuery } from '../../../common/pagination';
import { BackupResponse, BackupType, VerificationStatus } from '../../backups';

export class CopyVerificationResponse {
  @ApiProperty({ enum: PROVIDER_NAMES }) provider!: string;
  @ApiProperty() ok!: boolean;
  @ApiPropertyOptional() error?: string;
}

export class VerifyResponse {
  @ApiProperty({ format: 'uuid' }) backupId!: string;
  @ApiProperty({ enum: VerificationStatus }) verificationStatus!: VerificationStatus;
  @ApiProperty({ type: [CopyVerificationResponse] }) results!: CopyVerificationResponse[];
}

export class VerificationStateQuery extends PaginationQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 90, default: 7, description: 'Backups completed in the last this many days' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'days must be an integer' })
  @Min(1, { message: 'days must be at least 1' })
  @Max(90, { message: 'days must be at most 90' })
  days = 7;
}

export class BackupVerificationResponse {
  @ApiProperty({ format: 'uuid' }) backupId!: string;
  @ApiProperty({ enum: BackupType }) type!: BackupType;
  @ApiPropertyOptional({ format: 'uuid' }) tenantId?: string;
  @ApiProperty({ enum: VerificationStatus }) verificationStatus!: VerificationStatus;
  @ApiProperty({ type: [CopyVerificationResponse] }) results!: CopyVerificationResponse[];
  @ApiPropertyOptional({ description: 'Why the backup could not be verified at all' }) error?: string;
}

export class RecentVerificationResponse {
  @ApiProperty({ description: 'Backups completed since this time were verified' }) since!: Date;
  @ApiProperty() total!: number;
  @ApiProperty() verified!: number;
  @ApiProperty() failed!: number;
  @ApiProperty({ type: [BackupVerificationResponse] }) backups!: BackupVerificationResponse[];
}

export class VerificationCounts {
  @ApiProperty() VERIFIED!: number;
  @ApiProperty() FAILED!: number;
  @ApiProperty() UNVERIFIED!: number;
}

export class VerificationStatePage extends PageMeta {
  @ApiProperty() since!: Date;
  @ApiProperty({ type: VerificationCounts, description: 'Backups of the period by verification status' }) counts!: VerificationCounts;
  @ApiProperty({ type: [BackupResponse], description: 'Newest first, with each copy’s verification status and time' }) items!: BackupResponse[];
}
