import { Controller, Get, HttpStatus, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService, HealthIndicatorFunction, MikroOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../common/auth';
import { BackupFreshnessIndicators } from './backup-freshness.indicators';
import { DependencyIndicators } from './health.indicators';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly orm: MikroOrmHealthIndicator,
    private readonly deps: DependencyIndicators,
    private readonly freshness: BackupFreshnessIndicators,
  ) {}

  @Get('live')
  @HealthCheck()
  @ApiOkResponse({ description: 'The process is up' })
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOkResponse({ description: "Catalog database (with every migration applied), platform database, Redis and every storage provider answer" })
  @ApiServiceUnavailableResponse({ description: 'At least one check fails; the body names it, with its reason (e.g. "failing: redis", error.redis.message "connect ECONNREFUSED 127.0.0.1:6380")' })
  ready(@Res({ passthrough: true }) response: { status(code: number): unknown }): Promise<HealthCheckResult & { message?: string }> {
    return this.answer(this.dependencyChecks(), response);
  }

  @Get()
  @HealthCheck()
  @ApiOkResponse({ description: "/health/ready's checks, and backups are fresh: the newest disaster backup is younger than HEALTH_MAX_DISASTER_AGE_HOURS and at most HEALTH_MAX_STALE_TENANT_RATIO of the active tenants lack a backup within BACKUP_STALE_AFTER_HOURS" })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down or backups are stale; the body names the failing check (e.g. redis, disaster_backup, tenant_backups)' })
  overall(@Res({ passthrough: true }) response: { status(code: number): unknown }): Promise<HealthCheckResult & { message?: string }> {
    return this.answer([...this.dependencyChecks(), () => this.freshness.disasterBackup(), () => this.freshness.tenantBackups()], response);
  }

  /** Terminus fails with a 503 exception, which the global error filter would flatten: the checks are answered here, by name. */
  private async answer(checks: HealthIndicatorFunction[], response: { status(code: number): unknown }): Promise<HealthCheckResult & { message?: string }> {
    try {
      return await this.health.check(checks);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      response.status(HttpStatus.SERVICE_UNAVAILABLE);
      return { ...result, message: `failing: ${Object.keys(result.error ?? {}).join(', ')}` };
    }
  }

  private dependencyChecks(): HealthIndicatorFunction[] {
    return [() => this.orm.pingCheck('catalog_database', { timeout: 3000 }), () => this.deps.migrations(), () => this.deps.platformDatabase(), () => this.deps.redis(), ...this.deps.storage()];
  }
}
