import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsOptional, IsUUID } from 'class-validator';
import { PROVIDER_NAMES, ProviderName } from '../../../../libs/storage/storage.port';

export class TenantIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'tenantId must be a UUID' })
  tenantId!: string;
}

export class BackupIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'backupId must be a UUID' })
  backupId!: string;
}

export class ProviderQuery {
  @ApiPropertyOptional({ enum: PROVIDER_NAMES, description: 'Only this provider; all when omitted' })
  @IsOptional()
  @IsIn(PROVIDER_NAMES, { message: `provider must be one of: ${PROVIDER_NAMES.join(', ')}` })
  provider?: ProviderName;
}

export class BulkBackupBody {
  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Tenants to back up; every active tenant when omitted' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10_000)
  @ArrayUnique()
  @IsUUID('all', { each: true, message: 'each value in tenantIds must be a UUID' })
  tenantIds?: string[];
}
