import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../../common/auth';
import { ApiErrors } from '../../common/error-responses';
import { page } from '../../common/pagination';
import { Audited } from '../audit';
import { AlertsService } from './alerts.service';
import { AlertIdParams, AlertPage, AlertQuery, AlertResponse, ResolveAlertBody } from './dto/alert.dto';

@ApiTags('alerts')
@Roles('super_admin')
@Controller('api/super-admin/alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Get()
  @Audited('alert.list', 'alert')
  @ApiOperation({ summary: 'Alerts, most recently seen first', description: 'Filter by status, type, severity and tenant.' })
  @ApiOkResponse({ type: AlertPage })
  @ApiErrors(400)
  async list(@Query() query: AlertQuery): Promise<AlertPage> {
    const [alerts, total] = await this.alerts.list(query, query.limit, query.offset);
    return page(alerts.map(AlertResponse.from), total, query);
  }

  @Post(':id/acknowledge')
  @HttpCode(HttpStatus.OK)
  @Audited('alert.acknowledge', 'alert')
  @ApiOperation({ summary: 'Acknowledge an alert', description: 'It stays open, and still counts occurrences, until its condition clears or it is resolved. Acknowledging twice keeps the first.' })
  @ApiOkResponse({ type: AlertResponse })
  @ApiErrors(400, 404, 409)
  async acknowledge(@Param() { id }: AlertIdParams, @CurrentPrincipal() principal: Principal): Promise<AlertResponse> {
    return AlertResponse.from(await this.alerts.acknowledge(id, principal.sub));
  }

  @Post(':id/resolve')
  @HttpCode(HttpStatus.OK)
  @Audited('alert.resolve', 'alert')
  @ApiOperation({ summary: 'Resolve an alert, with an optional note', description: 'The channels are told. If the condition comes back, a new alert is raised.' })
  @ApiOkResponse({ type: AlertResponse })
  @ApiErrors(400, 404, 409)
  async resolve(@Param() { id }: AlertIdParams, @Body() body: ResolveAlertBody, @CurrentPrincipal() principal: Principal): Promise<AlertResponse> {
    return AlertResponse.from(await this.alerts.resolve(id, principal.sub, body.note));
  }
}
