import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../../common/auth';
import { ApiErrors } from '../../common/error-responses';
import { page, PaginationQuery } from '../../common/pagination';
import { Audited } from '../audit';
import { BackupsService } from './backups.service';
import { BackupIdParams, BulkBackupBody, TenantIdParams } from './dto/backup.params';
import { BackupPage, BackupResponse, BulkBackupResponse } from './dto/backup.response';

@ApiTags('backups')
@Roles('super_admin')
@Controller('api/super-admin/backups')
export class BackupsController {
  constructor(private readonly backups: BackupsService) {}

  @Post('tenant/:tenantId')
  @HttpCode(HttpStatus.ACCEPTED)
  @Audited('backup.create', 'backup')
  @ApiOperation({ summary: 'Back up one tenant now', description: 'Answers 202 with the PENDING record; poll GET /backups/:backupId for status and progress.' })
  @ApiAcceptedResponse({ type: BackupResponse })
  @ApiErrors(400, 404, 409)
  async create(@Param() { tenantId }: TenantIdParams, @CurrentPrincipal() principal: Principal): Promise<BackupResponse> {
    return BackupResponse.from(await this.backups.requestTenantBackup(tenantId, principal.sub));
  }

  @Post('tenants')
  @HttpCode(HttpStatus.ACCEPTED)
  @Audited('backup.create-bulk', 'backup')
  @ApiOperation({ summary: 'Back up all active tenants, or the listed ones, now' })
  @ApiAcceptedResponse({ type: BulkBackupResponse })
  @ApiErrors(400)
  async createBulk(@Body() body: BulkBackupBody, @CurrentPrincipal() principal: Principal): Promise<BulkBackupResponse> {
    const result = await this.backups.requestBulkBackup(principal.sub, body.tenantIds);
    return { accepted: result.accepted.map(BackupResponse.from), skipped: result.skipped };
  }

  @Get('tenant/:tenantId')
  @ApiOperation({ summary: "A tenant's backups, newest first" })
  @ApiOkResponse({ type: BackupPage })
  @ApiErrors(400)
  async listForTenant(@Param() { tenantId }: TenantIdParams, @Query() query: PaginationQuery): Promise<BackupPage> {
    const [records, total] = await this.backups.listForTenant(tenantId, query.limit, query.offset);
    return page(records.map(BackupResponse.from), total, query);
  }

  @Post(':backupId/cancel')
  @HttpCode(HttpStatus.ACCEPTED)
  @Audited('backup.cancel', 'backup')
  @ApiOperation({
    summary: 'Stop a queued or running TENANT or DISASTER backup',
    description:
      'A queued backup ends FAILED at once ("cancelled by …"). A running one is asked to stop: the worker running it fails its upload at its next heartbeat and keeps nothing; poll the record. 409 when it has already ended.',
  })
  @ApiAcceptedResponse({ type: BackupResponse })
  @ApiErrors(400, 404, 409)
  async cancel(@Param() { backupId }: BackupIdParams, @CurrentPrincipal() principal: Principal): Promise<BackupResponse> {
    return BackupResponse.from(await this.backups.cancel(backupId, principal.sub));
  }

  @Get(':backupId')
  @ApiOperation({ summary: 'One backup with its locations' })
  @ApiOkResponse({ type: BackupResponse })
  @ApiErrors(400, 404)
  async get(@Param() { backupId }: BackupIdParams): Promise<BackupResponse> {
    return BackupResponse.from(await this.backups.get(backupId));
  }
}
