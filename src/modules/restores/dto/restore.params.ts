import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { PROVIDER_NAMES, ProviderName } from '../../../../libs/storage/storage.port';
import { PaginationQuery } from '../../../common/pagination';

const providerMessage = `provider must be one of: ${PROVIDER_NAMES.join(', ')}`;

export class RestoreIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'restoreId must be a UUID' })
  restoreId!: string;
}

export class RestoreBackupIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'backupId must be a UUID' })
  backupId!: string;
}

export class RestoreTenantIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'tenantId must be a UUID' })
  tenantId!: string;
}

export class ValidateRestoreQuery {
  @ApiPropertyOptional({ enum: PROVIDER_NAMES, description: 'Check only the copy at this provider; otherwise the first copy that passes' })
  @IsOptional()
  @IsIn(PROVIDER_NAMES, { message: providerMessage })
  provider?: ProviderName;
}

export class RestorePointsQuery extends PaginationQuery {
  @ApiPropertyOptional({ enum: PROVIDER_NAMES, description: 'Only backups with a stored copy at this provider' })
  @IsOptional()
  @IsIn(PROVIDER_NAMES, { message: providerMessage })
  provider?: ProviderName;
}

export class RestoreHistoryQuery extends PaginationQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only restores that included this tenant' })
  @IsOptional()
  @IsUUID('all', { message: 'tenantId must be a UUID' })
  tenantId?: string;
}
