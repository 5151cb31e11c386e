import { ApiProperty } from '@nestjs/swagger';
import { PageMeta } from '../../common/pagination';

class BackupTotalResponse {
  @ApiProperty() type!: string;
  @ApiProperty() status!: string;
  @ApiProperty() count!: number;
}

class OutcomeResponse {
  @ApiProperty() type!: string;
  @ApiProperty() completed!: number;
  @ApiProperty() failed!: number;
}

class SuccessRateResponse {
  @ApiProperty() completed!: number;
  @ApiProperty() failed!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'completed / (completed + failed); null when nothing finished' }) rate!: number | null;
  @ApiProperty({ type: [OutcomeResponse] }) byType!: OutcomeResponse[];
}

class SuccessRatesResponse {
  @ApiProperty() last24h!: SuccessRateResponse;
  @ApiProperty() last7d!: SuccessRateResponse;
}

class DurationResponse {
  @ApiProperty() type!: string;
  @ApiProperty({ description: 'Backups completed in the last 7 days' }) count!: number;
  @ApiProperty() averageSeconds!: number;
  @ApiProperty() p95Seconds!: number;
}

class StorageResponse {
  @ApiProperty() provider!: string;
  @ApiProperty({ description: 'Bytes of restorable copies, from the catalog' }) bytes!: number;
  @ApiProperty() backups!: number;
  @ApiProperty({ nullable: true, type: Number }) quotaBytes!: number | null;
}

class TenantLastBackupResponse {
  @ApiProperty({ format: 'uuid' }) tenantId!: string;
  @ApiProperty({ nullable: true, type: Date }) lastBackupAt!: Date | null;
  @ApiProperty() stale!: boolean;
}

class TenantLastBackupPage extends PageMeta {
  @ApiProperty({ type: [TenantLastBackupResponse] }) items!: TenantLastBackupResponse[];
}

class StaleTenantsResponse {
  @ApiProperty() count!: number;
  @ApiProperty() staleAfterHours!: number;
  @ApiProperty({ type: [String], description: 'The first 100, stalest first' }) tenantIds!: string[];
}

class SeverityCounts {
  @ApiProperty() INFO!: number;
  @ApiProperty() WARNING!: number;
  @ApiProperty() ERROR!: number;
  @ApiProperty() CRITICAL!: number;
}

class AlertCountsResponse {
  @ApiProperty() activeBySeverity!: SeverityCounts;
  @ApiProperty() acknowledgedBySeverity!: SeverityCounts;
}

class QueueDepthResponse {
  @ApiProperty() queue!: string;
  @ApiProperty({ description: 'False when Redis did not answer; the counts are then null' }) available!: boolean;
  @ApiProperty({ nullable: true, type: Number }) waiting!: number | null;
  @ApiProperty({ nullable: true, type: Number }) active!: number | null;
  @ApiProperty({ nullable: true, type: Number }) delayed!: number | null;
  @ApiProperty({ nullable: true, type: Number }) failed!: number | null;
}

export class MonitoringOverviewResponse {
  @ApiProperty() generatedAt!: Date;
  @ApiProperty({ type: [BackupTotalResponse] }) totals!: BackupTotalResponse[];
  @ApiProperty() successRate!: SuccessRatesResponse;
  @ApiProperty({ type: [DurationResponse] }) durations!: DurationResponse[];
  @ApiProperty({ type: [StorageResponse] }) storage!: StorageResponse[];
  @ApiProperty({ description: 'Every active tenant, stalest first' }) lastSuccessfulBackups!: TenantLastBackupPage;
  @ApiProperty() staleTenants!: StaleTenantsResponse;
  @ApiProperty() alerts!: AlertCountsResponse;
  @ApiProperty({ type: [QueueDepthResponse] }) queues!: QueueDepthResponse[];
}
