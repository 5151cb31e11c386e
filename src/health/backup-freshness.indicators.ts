import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { withTimeout } from '../common/with-timeout';
import { APP_CONFIG, AppConfig } from '../config';
import { BackupStatisticsService, BackupType } from '../modules/backups';

const HOUR_MS = 3_600_000;
/** Catalog and platform queries; a hung database must not hang the probe. */
const QUERY_TIMEOUT_MS = 5000;

/** Are backups fresh? The newest disaster backup is young enough, and few active tenants lack a recent backup. */
@Injectable()
export class BackupFreshnessIndicators {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly health: HealthIndicatorService,
    private readonly statistics: BackupStatisticsService,
  ) {}

  async disasterBackup(now: Date = new Date()): Promise<HealthIndicatorResult> {
    const session = this.health.check('disaster_backup');
    const maxAgeHours = this.config.health.maxDisasterAgeHours;
    try {
      const last = await withTimeout(this.statistics.lastCompleted(BackupType.DISASTER), QUERY_TIMEOUT_MS);
      const ageHours = last ? (now.getTime() - last.getTime()) / HOUR_MS : undefined;
      const facts = { lastCompletedAt: last?.toISOString() ?? null, maxAgeHours };
      if (ageHours === undefined) return session.down({ ...facts, message: 'no completed disaster backup' });
      if (ageHours > maxAgeHours) return session.down({ ...facts, message: `the newest completed disaster backup is ${ageHours.toFixed(1)} h old` });
      return session.up(facts);
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }

  async tenantBackups(now: Date = new Date()): Promise<HealthIndicatorResult> {
    const session = this.health.check('tenant_backups');
    const { maxStaleTenantRatio } = this.config.health;
    const { staleAfterHours } = this.config.monitoring;
    try {
      const freshness = await withTimeout(this.statistics.tenantFreshness(new Date(now.getTime() - staleAfterHours * HOUR_MS)), QUERY_TIMEOUT_MS);
      const active = freshness.tenants.length;
      const ratio = active === 0 ? 0 : freshness.stale / active;
      const facts = { activeTenants: active, staleTenants: freshness.stale, staleRatio: Number(ratio.toFixed(4)), maxStaleRatio: maxStaleTenantRatio, staleAfterHours };
      if (ratio > maxStaleTenantRatio) return session.down({ ...facts, message: `${freshness.stale} of ${active} active tenants have no completed backup in the last ${staleAfterHours} h` });
      return session.up(facts);
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }
}
