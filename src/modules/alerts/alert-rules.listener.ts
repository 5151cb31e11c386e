import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DomainEventOf, DomainEvents } from '../../common/domain-events';
import { APP_CONFIG, AppConfig } from '../../config';
import { BackupStatisticsService } from '../backups';
import {
  alertKeys,
  backupFailureAlert,
  checkSize,
  disasterRestoreFailureAlert,
  durationAlert,
  integrityFailureAlert,
  providerUnreachableAlert,
  redundancyDegradedAlerts,
  replicationGivenUpAlert,
  sizeDeviationAlert,
  tenantRestoreFailureAlert,
} from './alert-rules';
import type { AlertInput } from './alert.entity';
import { AlertsService } from './alerts.service';

/** How many of a tenant's latest backups make its size reference (at least ALERT_SIZE_MIN_HISTORY). */
const SIZE_HISTORY_WINDOW = 10;

/**
 * The event-driven rules. Registered in every process role: an event reaches only the listeners of the process that
 * emitted it (a worker that failed a backup, the api process that verified a copy).
 */
@Injectable()
export class AlertRulesListener implements OnModuleInit {
  constructor(
    private readonly events: DomainEvents,
    private readonly alerts: AlertsService,
    private readonly statistics: BackupStatisticsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const raise = async (input: AlertInput) => void (await this.alerts.raise(input));
    const clear = async (keys: string[], note: string) => void (await this.alerts.clear(keys, note));
    this.events.on('backup.failed', (e) => raise(backupFailureAlert(e)));
    this.events.on('backup.completed', (e) => this.backupCompleted(e));
    this.events.on('backup.redundancy-degraded', async (e) => {
      for (const alert of redundancyDegradedAlerts(e)) await raise(alert);
    });
    this.events.on('replication.given-up', (e) => raise(replicationGivenUpAlert(e)));
    this.events.on('replication.completed', (e) => this.replicated(e));
    this.events.on('provider.unreachable', (e) => raise(providerUnreachableAlert(e.provider, e.operation, e.reason)));
    this.events.on('integrity.failure', (e) => raise(integrityFailureAlert(e)));
    this.events.on('restore.failed', (e) => raise(tenantRestoreFailureAlert(e)));
    this.events.on('restore.completed', (e) => clear([alertKeys.tenantRestoreFailure(e.tenantId)], `restore ${e.restoreId} of the tenant completed`));
    this.events.on('disaster-restore.failed', (e) => raise(disasterRestoreFailureAlert(e)));
    this.events.on('disaster-restore.completed', (e) => clear([alertKeys.disasterRestoreFailure()], `disaster restore ${e.restoreId} completed`));
  }

  /** A completed backup clears its kind's failure and staleness, proves its providers reachable, and is measured. */
  private async backupCompleted(e: DomainEventOf<'backup.completed'>): Promise<void> {
    const note = `backup ${e.backupId} completed`;
    const cleared = [alertKeys.backupFailure(e.backupType, e.tenantId), ...e.storedProviders.map(alertKeys.providerUnreachable)];
    if (e.backupType === 'TENANT' && e.tenantId) cleared.push(alertKeys.noRecentBackup(e.tenantId));
    await this.alerts.clear(cleared, note);

    const { durationThresholdSeconds } = this.config.monitoring;
    if (e.durationMs > durationThresholdSeconds * 1000) await this.alerts.raise(durationAlert(e, durationThresholdSeconds));
    else await this.alerts.clear([alertKeys.durationThreshold(e.backupType, e.tenantId)], note);

    if (e.backupType === 'TENANT' && e.tenantId) await this.checkSize(e, note);
  }

  private async checkSize(e: DomainEventOf<'backup.completed'>, note: string): Promise<void> {
    const { sizeDeviationFactor: factor, sizeMinHistory } = this.config.monitoring;
    const history = await this.statistics.recentTenantBackupSizes(e.tenantId!, e.backupId, Math.max(SIZE_HISTORY_WINDOW, sizeMinHistory));
    const check = checkSize(e.storedBytes, history, factor, sizeMinHistory);
    if (!check) return; // not enough history to judge, either way
    if (check.deviates) await this.alerts.raise(sizeDeviationAlert(e, check, factor, history.length));
    else await this.alerts.clear([alertKeys.sizeDeviation(e.tenantId!)], `${note} within ${factor}× of the recent median`);
  }

  /** A copy reached `provider`: it is reachable, and once no backup misses a copy there, redundancy is whole again. */
  private async replicated(e: DomainEventOf<'replication.completed'>): Promise<void> {
    const note = `backup ${e.backupId} replicated to ${e.provider}`;
    await this.alerts.clear([alertKeys.providerUnreachable(e.provider)], note);
    if ((await this.statistics.missingCopiesAt(e.provider)) === 0) {
      await this.alerts.clear([alertKeys.redundancyDegraded(e.provider), alertKeys.replicationGivenUp(e.provider)], `${note}; every completed backup has a copy there again`);
    }
  }
}
