import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../../common/auth';
import { ApiErrors } from '../../common/error-responses';
import { page, PaginationQuery } from '../../common/pagination';
import { Audited } from '../audit';
import { DisasterRestoresService } from './disaster-restores.service';
import { DisasterRestoreBody } from './dto/disaster-restore.body';
import { DisasterRestorePage, DisasterRestoreResponse, RestoreIdParams } from './dto/disaster-restore.response';

@ApiTags('disaster-recovery')
@Roles('super_admin')
@Controller('api/super-admin/restore/disaster')
export class DisasterRestoresController {
  constructor(private readonly restores: DisasterRestoresService) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @Audited('disaster-restore.create', 'disaster-restore')
  @ApiOperation({
    summary: 'Restore a disaster backup into a database (pg_restore)',
    description:
      'Needs confirm: true. The target must exist and be reachable; a non-empty target is refused with 409 unless cleanTarget (pg_restore --clean --if-exists). Runs pg_restore --no-owner --exit-on-error fed from the decrypting download. Answers 202 with the record; poll GET /restore/disaster/:restoreId. The target password is never stored, logged or echoed.',
  })
  @ApiAcceptedResponse({ type: DisasterRestoreResponse })
  @ApiErrors(400, 404, 409)
  async create(@Body() body: DisasterRestoreBody, @CurrentPrincipal() principal: Principal): Promise<DisasterRestoreResponse> {
    const restore = await this.restores.request({ backupId: body.backupId, targetDatabaseUrl: body.targetDatabaseUrl, cleanTarget: body.cleanTarget ?? false, provider: body.provider }, principal.sub);
    return DisasterRestoreResponse.from(restore);
  }

  @Get()
  @ApiOperation({ summary: 'Disaster restores, newest first' })
  @ApiOkResponse({ type: DisasterRestorePage })
  @ApiErrors(400)
  async list(@Query() query: PaginationQuery): Promise<DisasterRestorePage> {
    const [restores, total] = await this.restores.list(query.limit, query.offset);
    return page(restores.map(DisasterRestoreResponse.from), total, query);
  }

  @Get(':restoreId')
  @ApiOperation({ summary: 'One disaster restore, with status and progress' })
  @ApiOkResponse({ type: DisasterRestoreResponse })
  @ApiErrors(400, 404)
  async get(@Param() { restoreId }: RestoreIdParams): Promise<DisasterRestoreResponse> {
    return DisasterRestoreResponse.from(await this.restores.get(restoreId));
  }
}
