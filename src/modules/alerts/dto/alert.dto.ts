import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { ALERT_SEVERITIES, ALERT_STATUSES, ALERT_TYPES, AlertSeverity, AlertStatus, AlertType, JsonObject } from '../../../../libs/alerting';
import { PageMeta, PaginationQuery } from '../../../common/pagination';
import type { Alert, ChannelDelivery } from '../alert.entity';

export class AlertIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'id must be a UUID' })
  id!: string;
}

export class AlertQuery extends PaginationQuery {
  @ApiPropertyOptional({ enum: ALERT_STATUSES })
  @IsOptional()
  @IsIn(ALERT_STATUSES, { message: `status must be one of: ${ALERT_STATUSES.join(', ')}` })
  status?: AlertStatus;

  @ApiPropertyOptional({ enum: ALERT_TYPES })
  @IsOptional()
  @IsIn(ALERT_TYPES, { message: `type must be one of: ${ALERT_TYPES.join(', ')}` })
  type?: AlertType;

  @ApiPropertyOptional({ enum: ALERT_SEVERITIES })
  @IsOptional()
  @IsIn(ALERT_SEVERITIES, { message: `severity must be one of: ${ALERT_SEVERITIES.join(', ')}` })
  severity?: AlertSeverity;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'tenantId must be a UUID' })
  tenantId?: string;
}

export class ResolveAlertBody {
  @ApiPropertyOptional({ maxLength: 2000, example: 'Bucket credentials rotated; next backup succeeded' })
  @IsOptional()
  @IsString({ message: 'note must be a string' })
  @MaxLength(2000, { message: 'note must be at most 2000 characters' })
  note?: string;
}

class ChannelDeliveryResponse {
  @ApiProperty({ enum: ['email', 'webhook'] }) channel!: string;
  @ApiProperty({ enum: ['raised', 'resolved'] }) event!: string;
  @ApiProperty() at!: string;
}

export class AlertResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ALERT_TYPES }) type!: AlertType;
  @ApiProperty({ enum: ALERT_SEVERITIES }) severity!: AlertSeverity;
  @ApiProperty({ enum: ALERT_STATUSES }) status!: AlertStatus;
  @ApiProperty({ description: 'Names the condition; an open alert with the same key counts occurrences instead of opening another' }) dedupKey!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ type: Object }) details!: JsonObject;
  @ApiPropertyOptional({ format: 'uuid' }) tenantId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) backupId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) restoreId?: string;
  @ApiProperty() firstSeenAt!: Date;
  @ApiProperty() lastSeenAt!: Date;
  @ApiProperty() occurrences!: number;
  @ApiProperty({ type: [ChannelDeliveryResponse], description: 'Notifications the channels accepted (in-app: this API)' }) channelsDelivered!: ChannelDelivery[];
  @ApiPropertyOptional() acknowledgedBy?: string;
  @ApiPropertyOptional() acknowledgedAt?: Date;
  @ApiPropertyOptional({ description: 'A token subject, or `system` when the condition cleared' }) resolvedBy?: string;
  @ApiPropertyOptional() resolvedAt?: Date;
  @ApiPropertyOptional() resolutionNote?: string;

  static from(alert: Alert): AlertResponse {
    return {
      id: alert.id,
      type: alert.type,
      severity: alert.severity,
      status: alert.status,
      dedupKey: alert.dedupKey,
      message: alert.message,
      details: alert.details,
      tenantId: alert.tenantId,
      backupId: alert.backupId,
      restoreId: alert.restoreId,
      firstSeenAt: alert.firstSeenAt,
      lastSeenAt: alert.lastSeenAt,
      occurrences: alert.occurrences,
      channelsDelivered: alert.channelsDelivered,
      acknowledgedBy: alert.acknowledgedBy,
      acknowledgedAt: alert.acknowledgedAt,
      resolvedBy: alert.resolvedBy,
      resolvedAt: alert.resolvedAt,
      resolutionNote: alert.resolutionNote,
    };
  }
}

export class AlertPage extends PageMeta {
  @ApiProperty({ type: [AlertResponse] }) items!: AlertResponse[];
}
