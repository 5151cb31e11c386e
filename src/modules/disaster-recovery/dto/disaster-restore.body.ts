import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Equals, IsBoolean, IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength, ValidateBy } from 'class-validator';
import { PROVIDER_NAMES, ProviderName } from '../../../../libs/storage/storage.port';

/** A postgres:// or postgresql:// URL with a host and a database name; the value never appears in the message. */
function IsPostgresUrl() {
  return ValidateBy({
    name: 'isPostgresUrl',
    validator: {
      validate(value: unknown): boolean {
        if (typeof value !== 'string') return false;
        try {
          const url = new URL(value);
          return ['postgres:', 'postgresql:'].includes(url.protocol) && url.hostname !== '' && url.pathname.length > 1;
        } catch {
          return false;
        }
      },
      defaultMessage: () => 'targetDatabaseUrl must be a postgresql://user:password@host:port/database URL',
    },
  });
}

export class DisasterRestoreBody {
  @ApiProperty({ format: 'uuid', description: 'A completed disaster backup' })
  @IsUUID('all', { message: 'backupId must be a UUID' })
  backupId!: string;

  @ApiProperty({ example: 'postgresql://postgres:CHANGE_ME@db-new.internal:5432/platform', description: 'The database to restore into; it must exist. Its password is never stored or echoed.' })
  @IsString({ message: 'targetDatabaseUrl must be a string' })
  @IsNotEmpty({ message: 'targetDatabaseUrl is required' })
  @MaxLength(2048, { message: 'targetDatabaseUrl must be at most 2048 characters' })
  @IsPostgresUrl()
  targetDatabaseUrl!: string;

  @ApiProperty({ enum: [true], description: 'Must be true: a disaster restore writes a whole database' })
  @Equals(true, { message: 'confirm must be true: a disaster restore writes a whole database' })
  confirm!: true;

  @ApiPropertyOptional({ default: false, description: 'Drop the objects the backup contains before recreating them (pg_restore --clean --if-exists); without it a non-empty target is refused with 409' })
  @IsOptional()
  @IsBoolean({ message: 'cleanTarget must be a boolean' })
  cleanTarget?: boolean;

  @ApiPropertyOptional({ enum: PROVIDER_NAMES, description: 'Read the object from this provider; the first stored copy in STORAGE_PROVIDERS order when omitted' })
  @IsOptional()
  @IsIn(PROVIDER_NAMES, { message: `provider must be one of: ${PROVIDER_NAMES.join(', ')}` })
  provider?: ProviderName;
}
