import { Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../common/auth';
import { ApiErrors } from '../../common/error-responses';
import { Audited } from '../audit/audited.interceptor';
import { BackupResponse } from '../backups/dto/backup.response';
import { RECENT_DAYS } from './disaster-recovery.jobs';
import { RecentVerificationResponse, VerificationStatePage, VerificationStateQuery } from './dto/storage-verification.dto';
import { StorageVerificationService } from './storage-verification.service';

@ApiTags('storage')
@Roles('super_admin')
@Controller('api/super-admin/storage')
export class StorageVerificationController {
  constructor(private readonly verification: StorageVerificationService) {}

  @Post('verify')
  @HttpCode(HttpStatus.OK)
  @Audited('storage.verify', 'backup')
  @ApiOperation({
    summary: 'Verify every backup completed in the last 7 days, now',
    description:
      'Tenant, pre-restore and disaster backups: each copy is downloaded, its sha256 checked against the catalog and every chunk decrypted, 4 backups at a time. Runs synchronously and answers with per-backup results (an operator asking wants the answer; the weekly cron does the same in a worker). Each copy’s outcome is also recorded, see GET /storage/verification.',
  })
  @ApiOkResponse({ type: RecentVerificationResponse })
  @ApiErrors()
  async verify(): Promise<RecentVerificationResponse> {
    return this.verification.verifyRecent(RECENT_DAYS);
  }

  @Get('verification')
  @ApiOperation({ summary: 'Verification state of recent backups', description: 'Counts by status and the backups, newest first, with each copy’s verification status, time and error.' })
  @ApiOkResponse({ type: VerificationStatePage })
  @ApiErrors(400)
  async state(@Query() query: VerificationStateQuery): Promise<VerificationStatePage> {
    const { since, counts, page } = await this.verification.state(query.days, query.limit, query.offset);
    const [records, total] = page;
    return { since, counts, items: records.map(BackupResponse.from), total, limit: query.limit, offset: query.offset };
  }
}
