import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { Roles } from '../../common/auth';
import { ApiErrors } from '../../common/error-responses';
import { page, PageMeta, PaginationQuery } from '../../common/pagination';
import { AuditService } from './audit.service';

class AuditQuery extends PaginationQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() tenantId?: string;
  @ApiPropertyOptional({ example: 'backup.create' }) @IsOptional() @IsString() @MaxLength(100) action?: string;
}

class AuditRecordResponse {
  @ApiProperty() id!: string;
  @ApiProperty() actor!: string;
  @ApiProperty() actorRole!: string;
  @ApiProperty() action!: string;
  @ApiProperty() targetType!: string;
  @ApiPropertyOptional() targetId?: string;
  @ApiPropertyOptional() tenantId?: string;
  @ApiProperty({ enum: ['SUCCESS', 'FAILURE'] }) outcome!: string;
  @ApiPropertyOptional({ type: Object }) detail?: Record<string, unknown>;
  @ApiProperty() at!: Date;
}

class AuditPage extends PageMeta {
  @ApiProperty({ type: [AuditRecordResponse] }) items!: AuditRecordResponse[];
}

@ApiTags('audit')
@Roles('super_admin')
@Controller('api/super-admin/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOkResponse({ type: AuditPage, description: 'Who did what, when, with what outcome; newest first' })
  @ApiErrors(400)
  async list(@Query() query: AuditQuery): Promise<AuditPage> {
    const [records, total] = await this.audit.findPage(query, query.limit, query.offset);
    return page(
      records.map((r) => ({ id: r.id, actor: r.actor, actorRole: r.actorRole, action: r.action, targetType: r.targetType, targetId: r.targetId, tenantId: r.tenantId, outcome: r.outcome, detail: r.detail, at: r.at })),
      total,
      query,
    );
  }
}
