import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, MikroOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../common/auth';
import { DependencyIndicators } from './health.indicators';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly orm: MikroOrmHealthIndicator,
    private readonly deps: DependencyIndicators,
  ) {}

  @Get('live')
  @HealthCheck()
  @ApiOkResponse({ description: 'The process is up' })
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOkResponse({ description: 'Catalog database, platform database, Redis and every storage provider answer' })
  @ApiServiceUnavailableResponse({ description: 'At least one dependency is down; the body says which' })
  ready() {
    return this.health.check([
      () => this.orm.pingCheck('catalog_database', { timeout: 3000 }),
      () => this.deps.platformDatabase(),
      () => this.deps.redis(),
      ...this.deps.storage(),
    ]);
  }
}
