import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, ArrayUnique, Equals, IsArray, IsBoolean, IsEnum, IsIn, IsISO8601, IsOptional, IsUUID, Matches, ValidateBy, ValidateIf, ValidateNested } from 'class-validator';
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

/** An instant with a time zone, to the microsecond at most. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})$/;

export class TenantRestoreBody extends RestoreOptionsBody {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'tenantId must be a UUID' })
  tenantId!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'A COMPLETED TENANT or PRE_RESTORE backup of this tenant; or give targetTime instead' })
  @ValidateIf((body: TenantRestoreBody) => body.targetTime === undefined || body.backupId !== undefined)
  @IsUUID('all', { message: 'backupId must be a UUID (or give targetTime instead, for a point-in-time restore)' })
  backupId?: string;

  @ApiPropertyOptional({
    example: '2026-12-02T14:32:00Z',
    description: 'Point-in-time restore, instead of backupId: the tenant as it was at this instant, read from the platform recovered to it (base backup + WAL archive) in a scratch cluster, then restored through the usual path (validation, PRE_RESTORE snapshot, one transaction). Must lie in the range GET /restore/points/:tenantId reports as continuous.',
  })
  @ValidateIf((body: TenantRestoreBody) => body.targetTime !== undefined)
  @IsISO8601({ strict: true }, { message: 'targetTime must be an ISO 8601 date-time with a time zone' })
  @Matches(ISO_INSTANT, { message: 'targetTime must be an ISO 8601 date-time with a time zone, e.g. 2026-12-02T14:32:00Z' })
  @ValidateBy({
    name: 'notWithBackupId',
    validator: { validate: (_: unknown, args) => (args?.object as TenantRestoreBody).backupId === undefined, defaultMessage: () => 'targetTime cannot be combined with backupId: give one of them' },
  })
  @ValidateBy({
    name: 'notWithProvider',
    validator: { validate: (_: unknown, args) => (args?.object as TenantRestoreBody).provider === undefined, defaultMessage: () => 'targetTime cannot be combined with provider: a point-in-time restore reads the base backup and the WAL from whichever provider holds them' },
  })
  targetTime?: string;

  /** The instant targetTime names, when given. */
  pointInTime(): Date | undefined {
    return this.targetTime === undefined ? undefined : new Date(this.targetTime);
  }
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
