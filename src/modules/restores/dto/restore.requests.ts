import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, ArrayUnique, Equals, IsArray, IsBoolean, IsEnum, IsIn, IsISO8601, IsOptional, IsUUID, Matches, ValidateNested } from 'class-validator';
import { PROVIDER_NAMES, ProviderName } from '../../../../libs/storage/storage.port';
import { RestoreMode, RestoreOptions } from '../restore.types';

/** Options every restore request shares. */
export class RestoreOptionsBody {
  @ApiPropertyOptional({ enum: PROVIDER_NAMES, description: 'Restore from this provider’s copy only; without it, any copy that validates' })
  @IsOptional()
  @IsIn(PROVIDER_NAMES, { message: `provider must be one of: ${PROVIDER_NAMES.join(', ')}` })
  provider?: ProviderName;

  @ApiPropertyOptional({ enum: RestoreMode, default: RestoreMode.FULL, description: 'FULL: rows become exactly the backup’s. MERGE: missing rows are inserted, existing rows kept' })
  @IsOptional()
  @IsEnum(RestoreMode, { message: 'mode must be FULL or MERGE' })
  mode: RestoreMode = RestoreMode.FULL;

  @ApiPropertyOptional({ type: Boolean, default: false, description: 'Skip the download-and-check pass before the restore (the import still authenticates every byte and rolls back on damage)' })
  @IsOptional()
  @IsBoolean({ message: 'skipValidation must be a boolean' })
  skipValidation: boolean = false;

  options(): RestoreOptions {
    return { provider: this.provider, mode: this.mode, skipValidation: this.skipValidation };
  }
}

export class TenantRestoreBody extends RestoreOptionsBody {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'tenantId must be a UUID' })
  tenantId!: string;

  @ApiProperty({ format: 'uuid', description: 'A COMPLETED TENANT or PRE_RESTORE backup of this tenant' })
  @IsUUID('all', { message: 'backupId must be a UUID' })
  backupId!: string;
}

export class RestorePair {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'tenantId must be a UUID' })
  tenantId!: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'backupId must be a UUID' })
  backupId!: string;
}

export class MultipleRestoreBody extends RestoreOptionsBody {
  @ApiProperty({ type: [RestorePair], description: 'Restored one tenant at a time, in this order; a tenant may appear once' })
  @IsArray({ message: 'pairs must be an array' })
  @ArrayNotEmpty({ message: 'pairs must not be empty' })
  @ArrayMaxSize(10_000, { message: 'pairs must hold at most 10000 entries' })
  @ArrayUnique((pair: RestorePair) => pair?.tenantId, { message: 'pairs must not list a tenant twice' })
  @ValidateNested({ each: true })
  @Type(() => RestorePair)
  pairs!: RestorePair[];
}

export class AllRestoreBody extends RestoreOptionsBody {
  @ApiProperty({ enum: [true], description: 'Must be true: this overwrites every active tenant' })
  @Equals(true, { message: 'confirm must be true: a restore of all tenants overwrites every active tenant' })
  confirm!: true;

  @ApiPropertyOptional({
    example: '2026-11-22T23:59:59Z',
    description: 'Each active tenant is restored from its newest completed TENANT backup at or before this instant (default: now). A date without a time means the end of that day, UTC',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'backupDate must be an ISO 8601 date or date-time' })
  @Matches(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/, { message: 'backupDate must be an ISO 8601 date or date-time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)' })
  backupDate?: string;

  /** The instant backupDate names: a bare date is the end of that day (UTC), so that day's backups count. */
  pointInTime(): Date | undefined {
    if (!this.backupDate) return undefined;
    return new Date(/^\d{4}-\d{2}-\d{2}$/.test(this.backupDate) ? `${this.backupDate}T23:59:59.999Z` : this.backupDate);
  }
}
