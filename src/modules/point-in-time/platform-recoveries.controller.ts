import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../../common/auth';
import { ApiErrors } from '../../common/error-responses';
import { page, PageMeta, PaginationQuery } from '../../common/pagination';
import { Audited } from '../audit';
import { PlatformRecoveryBody, PlatformRecoveryParams, PlatformRecoveryResponse } from './dto/platform-recovery.dto';
import { PlatformRecoveriesService } from './platform-recoveries.service';

class PlatformRecoveryPage extends PageMeta {
  @ApiProperty({ type: [PlatformRecoveryResponse] }) items!: PlatformRecoveryResponse[];
}

/** Registered before the disaster restores' controller, whose `GET /restore/disaster/:restoreId` would take `pitr`. */
@ApiTags('point-in-time')
@Roles('super_admin')
@Controller('api/super-admin/restore/disaster/pitr')
export class PlatformRecoveriesController {
  constructor(private readonly recoveries: PlatformRecoveriesService) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @Audited('platform-recovery.create', 'platform-recovery')
  @ApiOperation({
    summary: 'Recover the platform cluster to a second, into a new data directory on the worker’s machine',
    description:
      'The newest base backup before targetTime is unpacked into dataDir, recovery.signal and a restore_command calling the CLI’s wal fetch are written with recovery_target_time and recovery_target_action = promote, and the server is started (as PITR_OS_USER) and watched until it reaches the target; it is left running on port. A targetTime outside the covered range is refused with 400 naming the range. Answers 202; poll GET /restore/disaster/pitr/:recoveryId.',
  })
  @ApiAcceptedResponse({ type: PlatformRecoveryResponse })
  @ApiErrors(400)
  async create(@Body() body: PlatformRecoveryBody, @CurrentPrincipal() principal: Principal): Promise<PlatformRecoveryResponse> {
    const recovery = await this.recoveries.request({ targetTime: new Date(body.targetTime), dataDir: body.dataDir, port: body.port, keepArchiving: body.keepArchiving ?? false }, principal.sub);
    return PlatformRecoveryResponse.from(recovery);
  }

  @Get()
  @ApiOperation({ summary: 'Platform recoveries, newest first' })
  @ApiOkResponse({ type: PlatformRecoveryPage })
  @ApiErrors(400)
  async list(@Query() query: PaginationQuery): Promise<PlatformRecoveryPage> {
    const [items, total] = await this.recoveries.list(query.limit, query.offset);
    return page(items.map(PlatformRecoveryResponse.from), total, query);
  }

  @Get(':recoveryId')
  @ApiOperation({ summary: 'One platform recovery: phase, progress, the base backup used, outcome' })
  @ApiOkResponse({ type: PlatformRecoveryResponse })
  @ApiErrors(400, 404)
  async get(@Param() { recoveryId }: PlatformRecoveryParams): Promise<PlatformRecoveryResponse> {
    return PlatformRecoveryResponse.from(await this.recoveries.get(recoveryId));
  }
}
