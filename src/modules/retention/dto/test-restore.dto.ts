import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { PROVIDER_NAMES } from '../../../../libs/storage/storage.port';
import { BackupType } from '../../backups';
import { TestRestore } from '../test-restore.entity';
import { RunResponseBase } from './run-params';

export class TestRestoreIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'testRestoreId must be a UUID' })
  testRestoreId!: string;
}

export class TableCheckResponse {
  @ApiProperty({ example: 'public.invoices' }) table!: string;
  @ApiProperty({ description: 'Rows the archive (disaster: the dump) holds' }) expectedRows!: number;
  @ApiProperty({ description: 'Rows read back from the scratch database' }) restoredRows!: number;
  @ApiPropertyOptional({ description: 'Disaster backups that recorded them: rows in the platform at backup time' }) sourceRows?: number;
  @ApiProperty() ok!: boolean;
  @ApiPropertyOptional() problem?: string;
}

export class TestRestoreResponse extends RunResponseBase {
  @ApiProperty({ format: 'uuid' }) backupId!: string;
  @ApiProperty({ enum: BackupType }) backupType!: BackupType;
  @ApiPropertyOptional({ format: 'uuid' }) tenantId?: string;
  @ApiPropertyOptional({ enum: PROVIDER_NAMES, description: 'Whose copy was restored' }) provider?: string;
  @ApiProperty({ description: 'Created for this test restore and dropped whatever happens' }) scratchDatabase!: string;
  @ApiPropertyOptional({ enum: ['PASSED', 'FAILED'] }) outcome?: string;
  @ApiPropertyOptional() durationMs?: number;
  @ApiPropertyOptional() rowsRestored?: number;
  @ApiProperty({ type: [TableCheckResponse] }) tables!: TableCheckResponse[];

  static from(run: TestRestore): TestRestoreResponse {
    return {
      id: run.id,
      status: run.status,
      progress: run.progress,
      initiatedBy: run.initiatedBy,
      createdAt: run.createdAt,
      startedAt: run.startedAt,
      completedAt: run.completedAt,
      errorMessage: run.errorMessage,
      backupId: run.backupId,
      backupType: run.backupType,
      tenantId: run.tenantId,
      provider: run.provider,
      scratchDatabase: run.scratchDatabase,
      outcome: run.outcome,
      durationMs: run.durationMs,
      rowsRestored: run.rowsRestored,
      tables: run.tables ?? [],
    };
  }
}

/** A backup's test-restore state: its newest test restore. */
export class BackupTestRestoreState {
  @ApiProperty({ format: 'uuid' }) backupId!: string;
  @ApiPropertyOptional({ description: 'When its newest test restore started' }) lastTestRestoreAt?: Date;
  @ApiPropertyOptional({ enum: ['PENDING', 'RUNNING', 'PASSED', 'FAILED'] }) testRestoreStatus?: string;
  @ApiPropertyOptional({ type: TestRestoreResponse }) latest?: TestRestoreResponse;

  static from(backupId: string, latest: TestRestore | null): BackupTestRestoreState {
    if (!latest) return { backupId };
    return { backupId, lastTestRestoreAt: latest.startedAt ?? latest.createdAt, testRestoreStatus: latest.outcome ?? latest.status, latest: TestRestoreResponse.from(latest) };
  }
}
