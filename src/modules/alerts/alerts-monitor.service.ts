import { Inject, Injectable, Logger } from '@nestjs/common';
import { withTimeout } from '../../common/with-timeout';
import { APP_CONFIG, AppConfig } from '../../config';
import { BackupStatisticsService } from '../backups';
import { StorageService } from '../storage';
import {
  alertKeys,
  lowSuccessRateAlert,
  providerUnreachableAlert,
  STALE_TENANT_ALERT_LIMIT,
  staleTenantAlert,
  staleTenantsPlatformAlert,
  storageCapacityAlert,
} from './alert-rules';
import { AlertsService } from './alerts.service';

const HOUR_MS = 3_600_000;
/** The window of LOW_SUCCESS_RATE, and how far back missed notifications are sent again. */
const WINDOW_HOURS = 24;
const PING_TIMEOUT_MS = 10_000;

export interface MonitorReport {
  staleTenants: number;
  checksFailed: string[];
}

/**
 * The conditions no event announces, checked by the hourly monitoring job: tenants without a recent backup, the
 * success rate, storage quotas, unreachable providers. Each raises its alert while true and clears it once false.
 * `now` is a parameter so that tests move the clock instead of waiting.
 */
@Injectable()
export class AlertsMonitor {
  private readonly logger = new Logger(AlertsMonitor.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly alerts: AlertsService,
    private readonly statistics: BackupStatisticsService,
    private readonly storage: StorageService,
  ) {}

  async run(now: Date = new Date()): Promise<MonitorReport> {
    const report: MonitorReport = { staleTenants: 0, checksFailed: [] };
    const checks: [string, () => Promise<unknown>][] = [
      ['stale tenants', async () => (report.staleTenants = await this.checkStaleTenants(now))],
      ['success rate', () => this.checkSuccessRate(now)],
      ['providers', () => this.checkProviders(now)],
      ['redelivery', () => this.alerts.redeliverMissed(new Date(now.getTime() - WINDOW_HOURS * HOUR_MS))],
    ];
    // One check failing (the platform database is down) must not keep the others from running.
    for (const [name, check] of checks) {
      try {
        await check();
      } catch (error) {
        report.checksFailed.push(name);
        this.logger.error(`monitoring check "${name}" failed: ${(error as Error).message}`);
      }
    }
    return report;
  }

  private async checkStaleTenants(now: Date): Promise<number> {
    const { staleAfterHours } = this.config.monitoring;
    const freshness = await this.statistics.tenantFreshness(new Date(now.getTime() - staleAfterHours * HOUR_MS));
    const stale = freshness.tenants.slice(0, freshness.stale);
    for (const { tenantId, lastBackupAt } of stale.slice(0, STALE_TENANT_ALERT_LIMIT)) await this.alerts.raise(staleTenantAlert(tenantId, lastBackupAt, staleAfterHours), now);
    const staleIds = stale.map((t) => t.tenantId);
    if (stale.length > STALE_TENANT_ALERT_LIMIT) await this.alerts.raise(staleTenantsPlatformAlert(staleIds, freshness.tenants.length, staleAfterHours), now);
    else await this.alerts.clear([alertKeys.noRecentBackupPlatform()], `${stale.length} stale tenants left`, now);
    const staleSet = new Set(staleIds);
    await this.alerts.clearOfType('NO_RECENT_BACKUP', 'NO_RECENT_BACKUP:', (alert) => !alert.tenantId || staleSet.has(alert.tenantId), 'the tenant has a recent backup, or is no longer active', now);
    return stale.length;
  }

  private async checkSuccessRate(now: Date): Promise<void> {
    const outcomes = await this.statistics.outcomes(new Date(now.getTime() - WINDOW_HOURS * HOUR_MS), now);
    const completed = outcomes.reduce((sum, o) => sum + o.completed, 0);
    const failed = outcomes.reduce((sum, o) => sum + o.failed, 0);
    const alert = lowSuccessRateAlert(completed, failed, this.config.monitoring.minSuccessRate, WINDOW_HOURS);
    if (alert) await this.alerts.raise(alert, now);
    else await this.alerts.clear([alertKeys.lowSuccessRate()], `${completed} of ${completed + failed} backups of the last ${WINDOW_HOURS} h completed`, now);
  }

  private async checkProviders(now: Date): Promise<void> {
    await Promise.all(
      this.storage.providers.map(async (adapter) => {
        try {
          await withTimeout(adapter.ping(), PING_TIMEOUT_MS);
        } catch (error) {
          await this.alerts.raise(providerUnreachableAlert(adapter.name, 'ping', (error as Error).message), now);
          return;
        }
        await this.alerts.clear([alertKeys.providerUnreachable(adapter.name)], `${adapter.name} answered the monitoring ping`, now);
      }),
    );
    const quotas = this.config.monitoring.storageQuotaBytes;
    const usage = new Map((await this.statistics.storedBytesPerProvider()).map((u) => [u.provider, u.bytes]));
    for (const provider of this.storage.names) {
      const quota = quotas[provider];
      const bytes = usage.get(provider) ?? 0;
      if (quota !== undefined && bytes > quota) await this.alerts.raise(storageCapacityAlert(provider, bytes, quota), now);
      else await this.alerts.clear([alertKeys.storageCapacity(provider)], `${provider} is back under its quota`, now);
    }
  }
}
