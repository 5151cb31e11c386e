import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../common/auth';
import { ApiErrors } from '../../common/error-responses';
import { Audited } from '../audit';
import { BackupIdParams, BackupResponse, BackupsService, BackupType, ProviderQuery } from '../backups';
import { RecentVerificationResponse, VerificationStatePage, VerificationStateQuery, VerifyResponse } from './dto/verification.dto';
import { RECENT_DAYS } from './retention.jobs';
import { BackupVerifier } from './backup-verifier.service';
import { VerificationService } from './verification.service';

/** Verification of one backup or of every recent one, and its state. `disaster/...` is declared before `:backupId`. */
@ApiTags('verification')
@Roles('super_admin')
@Controller('api/super-admin')
export class VerificationController {
  constructor(
    private readonly backups: BackupsService,
    private readonly verifier: BackupVerifier,
    private readonly verification: VerificationService,
  ) {}

  @Post('backups/disaster/:backupId/verify')
  @HttpCode(HttpStatus.OK)
  @Audited('disaster-backup.verify', 'backup')
  @ApiOperation({ summary: 'Download and check a disaster backup at one or all providers', description: 'Checks the sha256 of the stored object, decrypts every chunk and checks the configuration files and the dump against the archive’s manifest and summary. Runs synchronously.' })
  @ApiOkResponse({ type: VerifyResponse })
  @ApiErrors(400, 404, 409)
  async verifyDisaster(@Param() { backupId }: BackupIdParams, @Query() { provider }: ProviderQuery): Promise<VerifyResponse> {
    await this.backups.get(backupId, [BackupType.DISASTER]);
    const { record, results } = await this.verifier.verify(backupId, provider);
    return { backupId, verificationStatus: record.verificationStatus, results };
  }

  @Post('backups/:backupId/verify')
  @HttpCode(HttpStatus.OK)
  @Audited('backup.verify', 'backup')
  @ApiOperation({ summary: 'Download and check a backup at one or all providers', description: 'Checks the sha256 of the stored object, decrypts every chunk and validates the archive. Runs synchronously.' })
  @ApiOkResponse({ type: VerifyResponse })
  @ApiErrors(400, 404, 409)
  async verify(@Param() { backupId }: BackupIdParams, @Query() { provider }: ProviderQuery): Promise<VerifyResponse> {
    await this.backups.get(backupId);
    const { record, results } = await this.verifier.verify(backupId, provider);
    return { backupId, verificationStatus: record.verificationStatus, results };
  }

  @Post('storage/verify')
  @HttpCode(HttpStatus.OK)
  @Audited('storage.verify', 'backup')
  @ApiOperation({
    summary: 'Verify every backup completed in the last 7 days, now',
    description:
      'Tenant, pre-restore and disaster backups: each copy is downloaded, its sha256 checked against the catalog and every chunk decrypted, 4 backups at a time. Runs synchronously and answers with per-backup results (the weekly cron does the same in a worker). Each copy’s outcome is also recorded, see GET /storage/verification.',
  })
  @ApiOkResponse({ type: RecentVerificationResponse })
  @ApiErrors()
  async verifyRecent(): Promise<RecentVerificationResponse> {
    return this.verification.verifyRecent(RECENT_DAYS);
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
