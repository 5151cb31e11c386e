import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../../common/auth';
import { ApiErrors } from '../../common/error-responses';
import { Audited } from '../audit';
import { BackupIdParams } from '../backups';
import { BackupHolds } from './backup-holds.service';
import { HoldBody, HoldResponse } from './dto/retention.dto';
import { BackupTestRestoreState, TestRestoreIdParams, TestRestoreResponse } from './dto/test-restore.dto';
import { TestRestores } from './test-restores.service';

/**
 * What Retention does to one backup: legal holds and test restores. Its routes sit under /backups/:backupId/… beside the
 * Backups context's own; none of them is a path Backups declares.
 */
@ApiTags('retention')
@Roles('super_admin')
@Controller('api/super-admin')
export class BackupRetentionController {
  constructor(
    private readonly holds: BackupHolds,
    private readonly testRestores: TestRestores,
  ) {}

  @Put('backups/:backupId/hold')
  @Audited('backup.hold', 'backup-hold')
  @ApiOperation({ summary: 'Place a legal hold on a backup (or change its reason)', description: 'Retention never deletes a held backup, whatever its policy says, until the hold is lifted.' })
  @ApiOkResponse({ type: HoldResponse })
  @ApiErrors(400, 404, 409)
  async hold(@Param() { backupId }: BackupIdParams, @Body() { reason }: HoldBody, @CurrentPrincipal() principal: Principal): Promise<HoldResponse> {
    return HoldResponse.from(await this.holds.place(backupId, reason, principal.sub));
  }

  @Delete('backups/:backupId/hold')
  @Audited('backup.release-hold', 'backup-hold')
  @ApiOperation({ summary: 'Lift the legal hold of a backup', description: 'The next retention run judges it by its policy again. The hold stays on record with who lifted it and when.' })
  @ApiOkResponse({ type: HoldResponse })
  @ApiErrors(400, 404)
  async release(@Param() { backupId }: BackupIdParams, @CurrentPrincipal() principal: Principal): Promise<HoldResponse> {
    return HoldResponse.from(await this.holds.lift(backupId, principal.sub));
  }

  @Post('backups/:backupId/test-restore')
  @HttpCode(HttpStatus.ACCEPTED)
  @Audited('backup.test-restore', 'test-restore')
  @ApiOperation({
    summary: 'Restore a backup into a scratch database and compare it with its archive',
    description: 'Tenant and pre-restore backups: the platform’s current schema, then the import a restore uses, then every table read back against the archive. Disaster backups: a full pg_restore, then each table counted against the dump. The scratch database is dropped whatever happens. Answers 202; poll GET /test-restores/{testRestoreId}.',
  })
  @ApiAcceptedResponse({ type: TestRestoreResponse })
  @ApiErrors(400, 404, 409)
  async testRestore(@Param() { backupId }: BackupIdParams, @CurrentPrincipal() principal: Principal): Promise<TestRestoreResponse> {
    return TestRestoreResponse.from(await this.testRestores.request(backupId, principal.sub));
  }

  @Get('backups/:backupId/test-restore')
  @ApiOperation({ summary: 'A backup’s test-restore state: lastTestRestoreAt, testRestoreStatus and its newest test restore' })
  @ApiOkResponse({ type: BackupTestRestoreState })
  @ApiErrors(400, 404)
  async testRestoreState(@Param() { backupId }: BackupIdParams): Promise<BackupTestRestoreState> {
    return BackupTestRestoreState.from(backupId, await this.testRestores.latestOf(backupId));
  }

  @Get('test-restores/:testRestoreId')
  @ApiOperation({ summary: 'One test restore: status, outcome, duration, rows per table' })
  @ApiOkResponse({ type: TestRestoreResponse })
  @ApiErrors(400, 404)
  async get(@Param() { testRestoreId }: TestRestoreIdParams): Promise<TestRestoreResponse> {
    return TestRestoreResponse.from(await this.testRestores.get(testRestoreId));
  }
}
