import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { Allow, IsBoolean, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { describeRetentionPolicy, RETENTION_LIMITS } from '../../../../libs/retention';
import { BackupHold } from '../backup-hold.entity';
import { RETAINED_TYPES } from '../retention-policy.entity';
import type { PolicyInForce } from '../retention-policy.service';
import { RetentionRun } from '../retention-run.entity';
import { RunResponseBase } from './run-params';

export class PolicyTypeParams {
  @ApiProperty({ enum: RETAINED_TYPES })
  @IsString()
  type!: string;
}

/**
 * A policy as posted. Fields are only whitelisted here: validateRetentionPolicy checks them all at once and names each
 * bad one (a misspelt field is refused by the validation pipe as unknown).
 */
export class RetentionPolicyBody {
  @ApiProperty({ enum: ['gfs', 'days'], description: 'gfs: keep the newest backup of each of the newest N hours, days, ISO weeks, months and years (UTC); days: keep what is at most `days` × 24 h old' })
  @Allow()
  kind!: unknown;

  @ApiPropertyOptional({ minimum: 0, maximum: RETENTION_LIMITS.hourly }) @Allow() hourly?: unknown;
  @ApiPropertyOptional({ minimum: 0, maximum: RETENTION_LIMITS.daily }) @Allow() daily?: unknown;
  @ApiPropertyOptional({ minimum: 0, maximum: RETENTION_LIMITS.weekly }) @Allow() weekly?: unknown;
  @ApiPropertyOptional({ minimum: 0, maximum: RETENTION_LIMITS.monthly }) @Allow() monthly?: unknown;
  @ApiPropertyOptional({ minimum: 0, maximum: RETENTION_LIMITS.yearly }) @Allow() yearly?: unknown;
  @ApiPropertyOptional({ minimum: 1, maximum: RETENTION_LIMITS.days }) @Allow() days?: unknown;
}

export class RetentionPolicyResponse {
  @ApiPropertyOptional({ format: 'uuid', description: 'The catalog version in force (absent while the default applies)' }) id?: string;
  @ApiProperty({ enum: RETAINED_TYPES }) type!: string;
  @ApiProperty({ example: { kind: 'gfs', hourly: 0, daily: 7, weekly: 4, monthly: 12, yearly: 0 } }) policy!: Record<string, unknown>;
  @ApiProperty({ example: 'daily 7, weekly 4, monthly 12' }) description!: string;
  @ApiProperty({ enum: ['catalog', 'default'] }) source!: string;
  @ApiPropertyOptional() changedBy?: string;
  @ApiPropertyOptional() changedAt?: Date;

  static from(p: PolicyInForce): RetentionPolicyResponse {
    return { id: p.versionId, type: p.type, policy: { ...p.policy }, description: describeRetentionPolicy(p.policy), source: p.source, changedBy: p.changedBy, changedAt: p.changedAt };
  }
}

export class RetentionRunQuery {
  @ApiPropertyOptional({ default: true, description: 'true: list what would be deleted and delete nothing (200); false: start a real run (202)' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'dryRun must be true or false' })
  dryRun = true;
}

export class RetentionCandidate {
  @ApiProperty({ format: 'uuid' }) backupId!: string;
  @ApiProperty() type!: string;
  @ApiProperty({ description: 'A tenant id, or `platform`' }) group!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ example: 'kept by no rule of daily 7, weekly 4, monthly 12' }) reason!: string;
}

export class RetainedBackup {
  @ApiProperty({ format: 'uuid' }) backupId!: string;
  @ApiProperty() type!: string;
  @ApiProperty() group!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ type: [String], example: ['legal hold: case 42', 'daily 2026-11-30'], description: 'Protections first, then the rules that keep it' }) reasons!: string[];
}

export class RetentionFailure {
  @ApiProperty({ format: 'uuid' }) backupId!: string;
  @ApiProperty() reason!: string;
}

export class WalRetentionResponse {
  @ApiPropertyOptional({ nullable: true, description: 'WAL is kept from the first segment of this position on (the oldest kept base backup); null: nothing pruned' }) keepFrom!: string | null;
  @ApiProperty() reason!: string;
  @ApiProperty({ description: 'WAL files deleted (dry run: that would be)' }) deleted!: number;
  @ApiProperty({ type: 'array', items: { type: 'object' } }) failed!: { file: string; reason: string }[];
}

export class RetentionRunResponse extends RunResponseBase {
  @ApiProperty() dryRun!: boolean;
  @ApiPropertyOptional({ description: 'The instant the policies were applied at' }) evaluatedAt?: Date;
  @ApiProperty({ type: [RetentionCandidate], description: 'Every backup the run deletes (dry run: would delete), with why' }) candidates!: RetentionCandidate[];
  @ApiProperty({ type: [RetainedBackup], description: 'Every backup kept, with what keeps it' }) kept!: RetainedBackup[];
  @ApiProperty() deleted!: number;
  @ApiProperty({ description: 'Candidates not deleted this time; the next run tries again' }) failed!: number;
  @ApiProperty({ type: [RetentionFailure] }) failures!: RetentionFailure[];
  @ApiPropertyOptional({ type: WalRetentionResponse, description: 'The WAL archive: never a segment a kept base backup needs' }) wal?: WalRetentionResponse;

  static from(run: RetentionRun): RetentionRunResponse {
    return {
      id: run.id,
      status: run.status,
      progress: run.progress,
      initiatedBy: run.initiatedBy,
      createdAt: run.createdAt,
      startedAt: run.startedAt,
      completedAt: run.completedAt,
      errorMessage: run.errorMessage,
      dryRun: run.dryRun,
      evaluatedAt: run.evaluatedAt,
      candidates: run.decisions?.candidates ?? [],
      kept: run.decisions?.kept ?? [],
      deleted: run.deleted,
      failed: run.failed,
      failures: run.failures ?? [],
      wal: run.decisions?.wal,
    };
  }
}

export class HoldBody {
  @ApiProperty({ example: 'litigation hold, case 2026-114', maxLength: 500 })
  @IsString({ message: 'reason must be a string' })
  @MinLength(1, { message: 'reason must not be empty' })
  @MaxLength(500, { message: 'reason must be at most 500 characters' })
  reason!: string;
}

export class HoldResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) backupId!: string;
  @ApiProperty() reason!: string;
  @ApiProperty() placedBy!: string;
  @ApiProperty() placedAt!: Date;
  @ApiPropertyOptional() liftedBy?: string;
  @ApiPropertyOptional() liftedAt?: Date;

  static from(h: BackupHold): HoldResponse {
    return { id: h.id, backupId: h.backupId, reason: h.reason, placedBy: h.placedBy, placedAt: h.placedAt, liftedBy: h.liftedBy, liftedAt: h.liftedAt };
  }
}
