import { Inject, Injectable } from '@nestjs/common';
import { ALERT_SEVERITIES, AlertSeverity } from '../../../libs/alerting';
import { APP_CONFIG, AppConfig } from '../../config';
import { AlertsService } from '../alerts';
import { BackupDurationStats, BackupOutcomeCount, BackupStatisticsService, BackupTotal } from '../backups';
import { QueueDepth, QueueDepths } from './queue-depths.service';

const HOUR_MS = 3_600_000;
/** Stale tenants named in the overview; `staleTenants.count` has them all, and the paginated list is stalest first. */
const STALE_TENANTS_LISTED = 100;

export interface SuccessRate {
  completed: number;
  failed: number;
  /** completed / (completed + failed); null when nothing finished. */
  rate: number | null;
  byType: BackupOutcomeCount[];
}

export interface MonitoringOverview {
  generatedAt: Date;
  totals: BackupTotal[];
  successRate: { last24h: SuccessRate; last7d: SuccessRate };
  /** Of the backups completed in the last 7 days. */
  durations: (Omit<BackupDurationStats, 'averageMs' | 'p95Ms'> & { averageSeconds: number; p95Seconds: number })[];
  storage: { provider: string; bytes: number; backups: number; quotaBytes: number | null }[];
  lastSuccessfulBackups: { items: { tenantId: string; lastBackupAt: Date | null; stale: boolean }[]; total: number; limit: number; offset: number };
  staleTenants: { count: number; staleAfterHours: number; tenantIds: string[] };
  alerts: { activeBySeverity: Record<AlertSeverity, number>; acknowledgedBySeverity: Record<AlertSeverity, number> };
  queues: QueueDepth[];
}

function rateOf(byType: BackupOutcomeCount[]): SuccessRate {
  const completed = byType.reduce((sum, o) => sum + o.completed, 0);
  const failed = byType.reduce((sum, o) => sum + o.failed, 0);
  return { completed, failed, rate: completed + failed > 0 ? completed / (completed + failed) : null, byType };
}

function bySeverity(): Record<AlertSeverity, number> {
  return Object.fromEntries(ALERT_SEVERITIES.map((s) => [s, 0])) as Record<AlertSeverity, number>;
}

/** GET /api/super-admin/monitoring: the state of backups, storage, alerts and queues on one page. */
@Injectable()
export class MonitoringService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly statistics: BackupStatisticsService,
    private readonly alerts: AlertsService,
    private readonly queues: QueueDepths,
  ) {}

  async overview(page: { limit: number; offset: number }, now: Date = new Date()): Promise<MonitoringOverview> {
    const ago = (hours: number) => new Date(now.getTime() - hours * HOUR_MS);
    const { staleAfterHours, storageQuotaBytes } = this.config.monitoring;
    const [totals, day, week, durations, stored, freshness, openAlerts, queues] = await Promise.all([
      this.statistics.totals(),
      this.statistics.outcomes(ago(24), now),
      this.statistics.outcomes(ago(24 * 7), now),
      this.statistics.durations(ago(24 * 7), now),
      this.statistics.storedBytesPerProvider(),
      this.statistics.tenantFreshness(ago(staleAfterHours)),
      this.alerts.openCounts(),
      this.queues.depths(),
    ]);
    const alerts = { activeBySeverity: bySeverity(), acknowledgedBySeverity: bySeverity() };
    for (const c of openAlerts) (c.status === 'ACTIVE' ? alerts.activeBySeverity : alerts.acknowledgedBySeverity)[c.severity] += c.count;
    const storedAt = new Map(stored.map((s) => [s.provider, s]));
    return {
      generatedAt: now,
      totals,
      successRate: { last24h: rateOf(day), last7d: rateOf(week) },
      durations: durations.map(({ averageMs, p95Ms, ...rest }) => ({ ...rest, averageSeconds: averageMs / 1000, p95Seconds: p95Ms / 1000 })),
      storage: this.config.storage.providers.map((provider) => ({
        provider,
        bytes: storedAt.get(provider)?.bytes ?? 0,
        backups: storedAt.get(provider)?.backups ?? 0,
        quotaBytes: storageQuotaBytes[provider] ?? null,
      })),
      lastSuccessfulBackups: {
        items: freshness.tenants.slice(page.offset, page.offset + page.limit).map((t, i) => ({ tenantId: t.tenantId, lastBackupAt: t.lastBackupAt ?? null, stale: page.offset + i < freshness.stale })),
        total: freshness.tenants.length,
        limit: page.limit,
        offset: page.offset,
      },
      staleTenants: { count: freshness.stale, staleAfterHours, tenantIds: freshness.tenants.slice(0, Math.min(freshness.stale, STALE_TENANTS_LISTED)).map((t) => t.tenantId) },
      alerts,
      queues,
    };
  }
}
