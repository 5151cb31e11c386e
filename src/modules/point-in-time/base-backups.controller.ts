import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../../common/auth';
import { ApiErrors } from '../../common/error-responses';
import { page, PaginationQuery } from '../../common/pagination';
import { Audited } from '../audit';
import { BackupIdParams } from '../backups';
import { BaseBackupsService } from './base-backups.service';
import { BaseBackupPage, BaseBackupResponse } from './dto/base-backup.response';

/** Registered before BackupsModule's controller, whose `GET /backups/:backupId` would otherwise take `/backups/base`. */
@ApiTags('point-in-time')
@Roles('super_admin')
@Controller('api/super-admin/backups/base')
export class BaseBackupsController {
  constructor(private readonly baseBackups: BaseBackupsService) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @Audited('base-backup.create', 'backup')
  @ApiOperation({
    summary: 'Physical base backup of the platform cluster now (point-in-time recovery)',
    description: 'pg_basebackup -Ft -X none of the platform cluster, encrypted with the platform key, to every provider; its WAL comes from the archive (wal push). Answers 202 with the PENDING record; poll GET /backups/base/:backupId. 409 while another base backup runs.',
  })
  @ApiAcceptedResponse({ type: BaseBackupResponse })
  @ApiErrors(409)
  async create(@CurrentPrincipal() principal: Principal): Promise<BaseBackupResponse> {
    return BaseBackupResponse.of(await this.baseBackups.request(principal.sub), null);
  }

  @Get()
  @ApiOperation({ summary: 'Base backups, newest first, with their WAL ranges' })
  @ApiOkResponse({ type: BaseBackupPage })
  @ApiErrors(400)
  async list(@Query() query: PaginationQuery): Promise<BaseBackupPage> {
    const [items, total] = await this.baseBackups.list(query.limit, query.offset);
    return page(items.map((i) => BaseBackupResponse.of(i.record, i.range)), total, query);
  }

  @Get(':backupId')
  @ApiOperation({ summary: 'One base backup with its locations and WAL range' })
  @ApiOkResponse({ type: BaseBackupResponse })
  @ApiErrors(400, 404)
  async get(@Param() { backupId }: BackupIdParams): Promise<BaseBackupResponse> {
    const { record, range } = await this.baseBackups.get(backupId);
    return BaseBackupResponse.of(record, range);
  }
}
