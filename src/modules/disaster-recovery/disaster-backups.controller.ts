import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../../common/auth';
import { ApiErrors } from '../../common/error-responses';
import { page, PaginationQuery } from '../../common/pagination';
import { Audited } from '../audit';
import { BackupIdParams, BackupPage, BackupResponse } from '../backups';
import { DisasterBackupsService } from './disaster-backups.service';

/** Registered before BackupsModule's controller, whose `GET /backups/:backupId` would otherwise take `/backups/disaster`. */
@ApiTags('disaster-recovery')
@Roles('super_admin')
@Controller('api/super-admin/backups/disaster')
export class DisasterBackupsController {
  constructor(private readonly disasterBackups: DisasterBackupsService) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @Audited('disaster-backup.create', 'backup')
  @ApiOperation({
    summary: 'Disaster backup of the whole platform now',
    description: 'pg_dump -Fc of the platform database + configuration bundle + versions, encrypted with the platform key, to every provider. Answers 202 with the PENDING record; poll GET /backups/disaster/:backupId. 409 while another disaster backup runs.',
  })
  @ApiAcceptedResponse({ type: BackupResponse })
  @ApiErrors(409)
  async create(@CurrentPrincipal() principal: Principal): Promise<BackupResponse> {
    return BackupResponse.from(await this.disasterBackups.request(principal.sub));
  }

  @Get()
  @ApiOperation({ summary: 'Disaster backups, newest first' })
  @ApiOkResponse({ type: BackupPage })
  @ApiErrors(400)
  async list(@Query() query: PaginationQuery): Promise<BackupPage> {
    const [records, total] = await this.disasterBackups.list(query.limit, query.offset);
    return page(records.map(BackupResponse.from), total, query);
  }

  @Get(':backupId')
  @ApiOperation({ summary: 'One disaster backup with its locations' })
  @ApiOkResponse({ type: BackupResponse })
  @ApiErrors(400, 404)
  async get(@Param() { backupId }: BackupIdParams): Promise<BackupResponse> {
    return BackupResponse.from(await this.disasterBackups.get(backupId));
  }
}
