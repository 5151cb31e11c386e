import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../../common/auth';
import { ApiErrors } from '../../common/error-responses';
import { PaginationQuery } from '../../common/pagination';
import { Audited } from '../audit';
import { BackupIdParams, BackupResponse, BackupType, ProviderQuery } from '../backups';
import { RunIdParams } from './dto/run-params';
import { VerificationRunResponse, VerificationStatePage, VerificationStateQuery } from './dto/verification.dto';
import { VerificationService } from './verification.service';

const POLL = 'Answers 202 with a verification run; poll GET /storage/verification/runs/{runId} for its status, progress and each copy’s outcome.';

/** Verification of one backup or of every recent one, and its state. `disaster/...` is declared before `:backupId`. */
@ApiTags('verification')
@Roles('super_admin')
@Controller('api/super-admin')
export class VerificationController {
  constructor(private readonly verification: VerificationService) {}

  @Post('backups/disaster/:backupId/verify')
  @HttpCode(HttpStatus.ACCEPTED)
  @Audited('disaster-backup.verify', 'verification-run')
  @ApiOperation({ summary: 'Check a disaster backup at one or all providers', description: `Checks each copy's size and sha256, decrypts every chunk and checks the configuration files and the dump against the archive's manifest and summary; a damaged or missing copy is re-copied from a good one. ${POLL}` })
  @ApiAcceptedResponse({ type: VerificationRunResponse })
  @ApiErrors(400, 404, 409)
  async verifyDisaster(@Param() { backupId }: BackupIdParams, @Query() { provider }: ProviderQuery, @CurrentPrincipal() principal: Principal): Promise<VerificationRunResponse> {
    return VerificationRunResponse.from(await this.verification.requestBackup(backupId, provider, [BackupType.DISASTER], principal.sub));
  }

  @Post('backups/:backupId/verify')
  @HttpCode(HttpStatus.ACCEPTED)
  @Audited('backup.verify', 'verification-run')
  @ApiOperation({ summary: 'Check a backup at one or all providers', description: `Checks each copy's size and sha256, decrypts every chunk and validates the archive's content; a damaged or missing copy is re-copied from a good one. ${POLL}` })
  @ApiAcceptedResponse({ type: VerificationRunResponse })
  @ApiErrors(400, 404, 409)
  async verify(@Param() { backupId }: BackupIdParams, @Query() { provider }: ProviderQuery, @CurrentPrincipal() principal: Principal): Promise<VerificationRunResponse> {
    return VerificationRunResponse.from(await this.verification.requestBackup(backupId, provider, [BackupType.TENANT, BackupType.PRE_RESTORE], principal.sub));
  }

  @Post('storage/verify')
  @HttpCode(HttpStatus.ACCEPTED)
  @Audited('storage.verify', 'verification-run')
  @ApiOperation({
    summary: 'Verify every backup completed in the last VERIFICATION_DAYS days, now',
    description: `Tenant, pre-restore and disaster backups, every copy, as the weekly run does (VERIFICATION_CRON), VERIFICATION_CONCURRENCY backups at a time. While one such run is queued or running, it is answered again rather than a second one started. ${POLL}`,
  })
  @ApiAcceptedResponse({ type: VerificationRunResponse })
  @ApiErrors()
  async verifyRecent(@CurrentPrincipal() principal: Principal): Promise<VerificationRunResponse> {
    return VerificationRunResponse.from(await this.verification.requestRecent(principal.sub));
  }

  @Get('storage/verification/runs/:runId')
  @ApiOperation({ summary: 'One verification run: status, progress, counts, and each copy checked (paginated)' })
  @ApiOkResponse({ type: VerificationRunResponse })
  @ApiErrors(400, 404)
  async run(@Param() { runId }: RunIdParams, @Query() query: PaginationQuery): Promise<VerificationRunResponse> {
    const { run, checks } = await this.verification.get(runId, query.limit, query.offset);
    return VerificationRunResponse.from(run, { items: checks[0], total: checks[1], limit: query.limit, offset: query.offset });
  }

  @Get('storage/verification')
  @ApiOperation({ summary: 'Verification state of recent backups', description: 'Counts by status and the backups, newest first, with each copy’s verification status, time and error.' })
  @ApiOkResponse({ type: VerificationStatePage })
  @ApiErrors(400)
  async state(@Query() query: VerificationStateQuery): Promise<VerificationStatePage> {
    const { since, counts, page } = await this.verification.state(query.days, query.limit, query.offset);
    const [records, total] = page;
    return { since, counts, items: records.map(BackupResponse.from), total, limit: query.limit, offset: query.offset };
  }
}
