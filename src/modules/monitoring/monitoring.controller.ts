import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../common/auth';
import { ApiErrors } from '../../common/error-responses';
import { PaginationQuery } from '../../common/pagination';
import { MonitoringOverviewResponse } from './monitoring.dto';
import { MonitoringService } from './monitoring.service';

@ApiTags('monitoring')
@Roles('super_admin')
@Controller('api/super-admin/monitoring')
export class MonitoringController {
  constructor(private readonly monitoring: MonitoringService) {}

  @Get()
  @ApiOperation({
    summary: 'Backups, storage, alerts and queues at a glance',
    description: 'Totals by type and status, success rate over 24 h and 7 d, average and p95 durations, bytes per provider, the last successful backup of each active tenant (paginated with limit/offset, stalest first), stale tenants, open alerts by severity and queue depths.',
  })
  @ApiOkResponse({ type: MonitoringOverviewResponse })
  @ApiErrors(400)
  overview(@Query() query: PaginationQuery): Promise<MonitoringOverviewResponse> {
    return this.monitoring.overview(query);
  }
}
