import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { PROVIDER_NAMES } from '../../../../libs/storage/storage.port';
import { PageMeta, PaginationQuery } from '../../../common/pagination';
import { BackupResponse } from '../../backups';
import type { WalChainReport } from '../../point-in-time';
import { CopyCheck, CopyOutcome, RepairOutcome } from '../copy-check.entity';
import { VerificationRun, VerificationScope } from '../verification-run.entity';
import { RunResponseBase } from './run-params';

export class CopyCheckResponse {
  @ApiProperty({ format: 'uuid' }) backupId!: string;
  @ApiProperty({ enum: PROVIDER_NAMES }) provider!: string;
  @ApiProperty() checkedAt!: Date;
  @ApiProperty({ enum: CopyOutcome }) outcome!: CopyOutcome;
  @ApiPropertyOptional() error?: string;
  @ApiPropertyOptional({ enum: RepairOutcome, description: 'A damaged or missing copy re-copied from a good one' }) repair?: RepairOutcome;
  @ApiPropertyOptional({ enum: PROVIDER_NAMES }) repairedFrom?: string;
  @ApiPropertyOptional() repairError?: string;

  static from(c: CopyCheck): CopyCheckResponse {
    // Unset columns come back from the catalog as null: left out of the answer, as optional fields are.
    return { backupId: c.backupId, provider: c.provider, checkedAt: c.checkedAt, outcome: c.outcome, error: c.error ?? undefined, repair: c.repair ?? undefined, repairedFrom: c.repairedFrom ?? undefined, repairError: c.repairError ?? undefined };
  }
}

export class CopyCheckPage extends PageMeta {
  @ApiProperty({ type: [CopyCheckResponse] }) items!: CopyCheckResponse[];
}

export class VerificationRunResponse extends RunResponseBase {
  @ApiProperty({ enum: VerificationScope }) scope!: VerificationScope;
  @ApiPropertyOptional({ format: 'uuid' }) backupId?: string;
  @ApiPropertyOptional({ enum: PROVIDER_NAMES }) provider?: string;
  @ApiPropertyOptional({ description: 'RECENT: backups completed in the last this many days' }) days?: number;
  @ApiProperty({ description: 'Backups to check' }) total!: number;
  @ApiProperty() checked!: number;
  @ApiProperty({ description: 'Backups whose every checked copy is good (after repairs)' }) verified!: number;
  @ApiProperty({ description: 'Backups left with a bad copy' }) failed!: number;
  @ApiProperty({ description: 'Copies re-created from a good copy' }) repaired!: number;
  @ApiPropertyOptional({ type: CopyCheckPage, description: 'Each copy checked, in the order checked (GET only)' }) checks?: CopyCheckPage;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'RECENT runs: each kept base backup’s WAL chain (first segment, last contiguous one, gaps), the covered range, and WAL files some provider lacks' })
  walChain?: WalChainReport;

  static from(run: VerificationRun, checks?: { items: CopyCheck[]; total: number; limit: number; offset: number }): VerificationRunResponse {
    return {
      id: run.id,
      status: run.status,
      progress: run.progress,
      initiatedBy: run.initiatedBy,
      createdAt: run.createdAt,
      startedAt: run.startedAt,
      completedAt: run.completedAt,
      errorMessage: run.errorMessage,
      scope: run.scope,
      backupId: run.backupId,
      provider: run.provider,
      days: run.days,
      total: run.total,
      checked: run.checked,
      verified: run.verified,
      failed: run.failed,
      repaired: run.repaired,
      checks: checks && { ...checks, items: checks.items.map(CopyCheckResponse.from) },
      walChain: run.walChain ?? undefined,
    };
  }
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
