import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../../common/auth';
import { ApiErrors } from '../../common/error-responses';
import { page } from '../../common/pagination';
import { Audited } from '../audit';
import { RestoresService } from './restores.service';
import { RestoreBackupIdParams, RestoreHistoryQuery, RestoreIdParams, RestorePointsQuery, RestoreTenantIdParams, ValidateRestoreQuery } from './dto/restore.params';
import { AllRestoreBody, MultipleRestoreBody, TenantRestoreBody } from './dto/restore.requests';
import { RestorePage, RestorePointPage, RestorePointResponse, RestoreResponse, RestoreValidationResponse } from './dto/restore.response';

const ASYNC_NOTE = 'Answers 202 with the PENDING restore; poll GET /restore/:restoreId for status and progress. The tenant gets a PRE_RESTORE snapshot first: restoring it is the rollback.';

/** Static routes are declared before `:restoreId`, so that `history` or `points` never reach the uuid check. */
@ApiTags('restores')
@Roles('super_admin')
@Controller('api/super-admin/restore')
export class RestoresController {
  constructor(private readonly restores: RestoresService) {}

  @Post('validate/:backupId')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Check that a backup can be restored now, without restoring', description: 'Downloads the copy, checks sha256, decryption and the archive, and compares its tables with the platform’s current schema. Without provider, the first copy that passes is chosen.' })
  @ApiOkResponse({ type: RestoreValidationResponse })
  @ApiErrors(400, 404)
  async validate(@Param() { backupId }: RestoreBackupIdParams, @Query() { provider }: ValidateRestoreQuery): Promise<RestoreValidationResponse> {
    const { backup, validation } = await this.restores.validate(backupId, provider);
    return RestoreValidationResponse.from(backup, validation);
  }

  @Post('tenant')
  @HttpCode(HttpStatus.ACCEPTED)
  @Audited('restore.create', 'restore')
  @ApiOperation({
    summary: 'Restore one tenant from one of its backups, or as it was at a point in time',
    description: `With backupId: from that backup. With targetTime instead: the platform is recovered to that instant in a scratch cluster (a base backup and the WAL archive), the tenant is read from it and restored the same way; the operation's item shows each phase (recovering, validated, snapshot, restoring) and its progress, and the scratch cluster is removed whatever happens. A targetTime outside the covered range is refused with 400 naming the range. The tenant is locked from the request on (409 while a backup or restore of it runs). ${ASYNC_NOTE}`,
  })
  @ApiAcceptedResponse({ type: RestoreResponse })
  @ApiErrors(400, 404, 409)
  async restoreTenant(@Body() body: TenantRestoreBody, @CurrentPrincipal() principal: Principal): Promise<RestoreResponse> {
    const targetTime = body.pointInTime();
    if (targetTime) return RestoreResponse.from(await this.restores.requestTenantPointInTimeRestore(body.tenantId, targetTime, body.options(), principal.sub));
    return RestoreResponse.from(await this.restores.requestTenantRestore(body.tenantId, body.backupId!, body.options(), principal.sub));
  }

  @Post('multiple')
  @HttpCode(HttpStatus.ACCEPTED)
  @Audited('restore.create-multiple', 'restore')
  @ApiOperation({ summary: 'Restore several tenants, each from its own backup', description: `Tenants are restored one at a time; each is locked when its turn comes, and a busy or failing tenant is reported on its item while the others go on (status PARTIAL). ${ASYNC_NOTE}` })
  @ApiAcceptedResponse({ type: RestoreResponse })
  @ApiErrors(400, 404)
  async restoreMultiple(@Body() body: MultipleRestoreBody, @CurrentPrincipal() principal: Principal): Promise<RestoreResponse> {
    return RestoreResponse.from(await this.restores.requestMultipleRestore(body.pairs, body.options(), principal.sub));
  }

  @Post('all')
  @HttpCode(HttpStatus.ACCEPTED)
  @Audited('restore.create-all', 'restore')
  @ApiOperation({ summary: 'Restore every active tenant from its newest backup at or before backupDate', description: `A tenant without such a backup is reported as a failed item. ${ASYNC_NOTE}` })
  @ApiAcceptedResponse({ type: RestoreResponse })
  @ApiErrors(400)
  async restoreAll(@Body() body: AllRestoreBody, @CurrentPrincipal() principal: Principal): Promise<RestoreResponse> {
    return RestoreResponse.from(await this.restores.requestAllRestore(body.pointInTime(), body.options(), principal.sub));
  }

  @Get('points/:tenantId')
  @ApiOperation({
    summary: 'Backups a tenant can be restored from, newest first, and the continuous range of a point-in-time restore',
    description: 'Completed TENANT and PRE_RESTORE backups with a stored copy (at provider, when given); `continuous` is the span of time any second of which can be restored with targetTime.',
  })
  @ApiOkResponse({ type: RestorePointPage })
  @ApiErrors(400)
  async points(@Param() { tenantId }: RestoreTenantIdParams, @Query() query: RestorePointsQuery): Promise<RestorePointPage> {
    const [[records, total], range] = await Promise.all([this.restores.points(tenantId, query.provider, query.limit, query.offset), this.restores.continuousRange()]);
    const continuous = range && { from: range.from, to: range.to, lastSegment: range.lastSegment, baseBackups: range.baseBackups, gaps: range.gaps.map(({ first, last, count }) => ({ first, last, count })) };
    return { ...page(records.map(RestorePointResponse.from), total, query), continuous };
  }

  @Get('history')
  @ApiOperation({ summary: 'Restore operations, newest first' })
  @ApiOkResponse({ type: RestorePage })
  @ApiErrors(400)
  async history(@Query() query: RestoreHistoryQuery): Promise<RestorePage> {
    const [operations, total] = await this.restores.history(query.tenantId, query.limit, query.offset);
    return page(operations.map(RestoreResponse.from), total, query);
  }

  @Post(':restoreId/cancel')
  @HttpCode(HttpStatus.ACCEPTED)
  @Audited('restore.cancel', 'restore')
  @ApiOperation({
    summary: 'Stop a queued or running restore',
    description: 'A queued restore ends FAILED at once. A running one is asked to stop: the tenant being restored is rolled back (its import is one transaction) and the remaining tenants are left untouched; poll the restore. 409 when it has already ended.',
  })
  @ApiAcceptedResponse({ type: RestoreResponse })
  @ApiErrors(400, 404, 409)
  async cancel(@Param() { restoreId }: RestoreIdParams, @CurrentPrincipal() principal: Principal): Promise<RestoreResponse> {
    return RestoreResponse.from(await this.restores.cancel(restoreId, principal.sub));
  }

  @Get(':restoreId')
  @ApiOperation({ summary: 'One restore with its progress, rows restored and pre-restore snapshot, per tenant' })
  @ApiOkResponse({ type: RestoreResponse })
  @ApiErrors(400, 404)
  async get(@Param() { restoreId }: RestoreIdParams): Promise<RestoreResponse> {
    return RestoreResponse.from(await this.restores.get(restoreId));
  }
}
