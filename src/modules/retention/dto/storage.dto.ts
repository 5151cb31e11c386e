import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { PROVIDER_NAMES } from '../../../../libs/storage/storage.port';
import { StorageScan, ScanKind } from '../storage-scan.entity';
import type { ProviderStatus } from '../storage-status.service';
import { RunResponseBase } from './run-params';

const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class StatusQuery {
  @ApiPropertyOptional({ default: false, description: 'Also start a job that counts every object at every provider (answered as `recount`; its result shows as `lastRecount`)' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'recount must be true or false' })
  recount = false;
}

export class SweepQuery {
  @ApiPropertyOptional({ default: true, description: 'true: list what would be removed, remove nothing' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'dryRun must be true or false' })
  dryRun = true;
}

class RecountResponse {
  @ApiProperty({ format: 'uuid' }) scanId!: string;
  @ApiProperty() at!: Date;
  @ApiPropertyOptional() objects?: number;
  @ApiPropertyOptional() bytes?: number;
  @ApiPropertyOptional() error?: string;
}

class ReclaimedResponse {
  @ApiPropertyOptional({ format: 'uuid' }) lastSweepId?: string;
  @ApiPropertyOptional() lastSweepAt?: Date;
  @ApiProperty({ description: 'Orphan objects the last sweep removed' }) objects!: number;
  @ApiProperty() bytes!: number;
  @ApiProperty({ description: 'Unfinished uploads the last sweep removed' }) incompleteUploads!: number;
  @ApiProperty({ description: 'Every sweep together' }) totalObjects!: number;
  @ApiProperty() totalBytes!: number;
  @ApiProperty() totalIncompleteUploads!: number;
}

export class ProviderStatusResponse {
  @ApiProperty({ enum: PROVIDER_NAMES }) provider!: string;
  @ApiProperty({ description: 'The first configured provider is primary' }) primary!: boolean;
  @ApiProperty() reachable!: boolean;
  @ApiPropertyOptional() error?: string;
  @ApiProperty({ description: 'Copies of completed backups stored there, from the catalog (sidecars not counted)' }) objects!: number;
  @ApiProperty({ description: 'Their bytes, from the catalog' }) bytes!: number;
  @ApiProperty({ description: 'Storage only, at list price' }) estimatedMonthlyCostUsd!: number;
  @ApiPropertyOptional({ type: RecountResponse, description: 'The newest recount of what is actually there' }) lastRecount?: RecountResponse;
  @ApiProperty({ type: ReclaimedResponse }) reclaimed!: ReclaimedResponse;
}

export class ScanProviderResponse {
  @ApiProperty({ enum: PROVIDER_NAMES }) provider!: string;
  @ApiPropertyOptional() objects?: number;
  @ApiPropertyOptional() bytes?: number;
  @ApiPropertyOptional({ description: 'Objects of no live backup, older than the grace period' }) orphanObjects?: number;
  @ApiPropertyOptional() orphanBytes?: number;
  @ApiPropertyOptional({ description: 'Local .partial files and S3 multipart uploads never completed' }) incompleteUploads?: number;
  @ApiPropertyOptional({ description: 'Backups (object and sidecar) the catalog has no record of: kept; run `catalog rebuild`' }) unknownToCatalog?: number;
  @ApiPropertyOptional() error?: string;
}

export class FlaggedBackup {
  @ApiProperty({ format: 'uuid' }) backupId!: string;
  @ApiProperty() reason!: string;
}

export class StorageScanResponse extends RunResponseBase {
  @ApiProperty({ enum: ScanKind }) kind!: ScanKind;
  @ApiProperty() dryRun!: boolean;
  @ApiPropertyOptional() graceHours?: number;
  @ApiPropertyOptional({ description: 'Only what was older than this minus the grace period was touched' }) evaluatedAt?: Date;
  @ApiProperty({ type: [ScanProviderResponse] }) providers!: ScanProviderResponse[];
  @ApiProperty({ type: [String], description: 'What was removed (dry run: would be), `<provider>:<key>`, the first 1000' }) removed!: string[];
  @ApiProperty({ type: [FlaggedBackup], description: 'Completed backups none of whose objects is left' }) flagged!: FlaggedBackup[];

  static from(scan: StorageScan): StorageScanResponse {
    return {
      id: scan.id,
      status: scan.status,
      progress: scan.progress,
      initiatedBy: scan.initiatedBy,
      createdAt: scan.createdAt,
      startedAt: scan.startedAt,
      completedAt: scan.completedAt,
      errorMessage: scan.errorMessage,
      kind: scan.kind,
      dryRun: scan.dryRun,
      graceHours: scan.graceHours,
      evaluatedAt: scan.evaluatedAt,
      providers: scan.providers ?? [],
      removed: scan.removed ?? [],
      flagged: scan.flagged ?? [],
    };
  }
}

export class StorageStatusResponse {
  @ApiProperty({ type: [ProviderStatusResponse] }) providers!: ProviderStatusResponse[];
  @ApiPropertyOptional({ type: StorageScanResponse, description: 'The recount started (or already running) when asked with recount=true' }) recount?: StorageScanResponse;

  static from(providers: ProviderStatus[], recount?: StorageScan): StorageStatusResponse {
    return { providers, ...(recount ? { recount: StorageScanResponse.from(recount) } : {}) };
  }
}
