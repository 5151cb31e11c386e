import type { AlertSeverity } from '../../../libs/alerting';
import type { BackupKind, DomainEventOf } from '../../common/domain-events';
import type { AlertInput } from './alert.entity';

/**
 * The alert rules as plain functions: which condition an event or a measurement stands for (its dedup key), how bad it
 * is and how it reads. The listener and the monitoring job apply them; docs/MONITORING.md is their catalogue.
 */

/** Backups whose failures are one condition: a tenant's TENANT and PRE_RESTORE backups both prove it can be backed up. */
type BackupFamily = 'tenant' | 'customer' | 'disaster' | 'base';

const FAMILY: Record<BackupKind, BackupFamily> = { TENANT: 'tenant', PRE_RESTORE: 'tenant', CUSTOMER: 'customer', DISASTER: 'disaster', BASE: 'base' };

/** A customer's own export failing is theirs to retry; the platform's own backups failing leaves nothing to recover from. */
const FAILURE_SEVERITY: Record<BackupFamily, AlertSeverity> = { tenant: 'ERROR', customer: 'WARNING', disaster: 'CRITICAL', base: 'CRITICAL' };

const LABEL: Record<BackupKind, string> = {
  TENANT: 'Backup',
  PRE_RESTORE: 'Pre-restore snapshot',
  CUSTOMER: 'Customer export',
  DISASTER: 'Disaster backup',
  BASE: 'Base backup',
};

export const alertKeys = {
  backupFailure: (type: BackupKind, tenantId?: string) => `BACKUP_FAILURE:${FAMILY[type]}:${tenantId ?? 'platform'}`,
  tenantRestoreFailure: (tenantId: string) => `RESTORE_FAILURE:tenant:${tenantId}`,
  disasterRestoreFailure: () => 'RESTORE_FAILURE:disaster',
  integrityFailure: (backupId: string, provider: string) => `INTEGRITY_FAILURE:${backupId}:${provider}`,
  /** Per provider, not per backup: one outage degrades many backups, and that is one thing to fix. */
  redundancyDegraded: (provider: string) => `REDUNDANCY_DEGRADED:${provider}`,
  replicationGivenUp: (provider: string) => `REDUNDANCY_DEGRADED:${provider}:given-up`,
  providerUnreachable: (provider: string) => `PROVIDER_UNREACHABLE:${provider}`,
  sizeDeviation: (tenantId: string) => `SIZE_DEVIATION:${tenantId}`,
  durationThreshold: (type: BackupKind, tenantId?: string) => `DURATION_THRESHOLD:${type}:${tenantId ?? 'platform'}`,
  noRecentBackup: (tenantId: string) => `NO_RECENT_BACKUP:${tenantId}`,
  /** Too many stale tenants to page about one by one (see STALE_TENANT_ALERT_LIMIT). */
  noRecentBackupPlatform: () => 'NO_RECENT_BACKUP:platform',
  lowSuccessRate: () => 'LOW_SUCCESS_RATE',
  storageCapacity: (provider: string) => `STORAGE_CAPACITY:${provider}`,
};

function subject(type: BackupKind, tenantId?: string): string {
  return `${LABEL[type]}${tenantId ? ` of tenant ${tenantId}` : ''}`;
}

export function backupFailureAlert(e: DomainEventOf<'backup.failed'>): AlertInput {
  return {
    type: 'BACKUP_FAILURE',
    severity: FAILURE_SEVERITY[FAMILY[e.backupType]],
    dedupKey: alertKeys.backupFailure(e.backupType, e.tenantId),
    message: `${subject(e.backupType, e.tenantId)} failed: ${e.reason}`,
    details: { backupType: e.backupType, reason: e.reason, durationMs: e.durationMs, initiatedBy: e.initiatedBy },
    tenantId: e.tenantId,
    backupId: e.backupId,
  };
}

export function tenantRestoreFailureAlert(e: DomainEventOf<'restore.failed'>): AlertInput {
  return {
    type: 'RESTORE_FAILURE',
    severity: 'ERROR',
    dedupKey: alertKeys.tenantRestoreFailure(e.tenantId),
    message: `Restore of tenant ${e.tenantId} failed: ${e.reason}`,
    details: { reason: e.reason, initiatedBy: e.initiatedBy },
    tenantId: e.tenantId,
    backupId: e.backupId,
    restoreId: e.restoreId,
  };
}

export function disasterRestoreFailureAlert(e: DomainEventOf<'disaster-restore.failed'>): AlertInput {
  return {
    type: 'RESTORE_FAILURE',
    severity: 'CRITICAL',
    dedupKey: alertKeys.disasterRestoreFailure(),
    message: `Disaster restore into ${e.target} failed: ${e.reason}`,
    details: { target: e.target, reason: e.reason, initiatedBy: e.initiatedBy },
    backupId: e.backupId,
    restoreId: e.restoreId,
  };
}

export function integrityFailureAlert(e: DomainEventOf<'integrity.failure'>): AlertInput {
  return {
    type: 'INTEGRITY_FAILURE',
    severity: 'CRITICAL',
    dedupKey: alertKeys.integrityFailure(e.backupId, e.provider),
    message: `The copy of ${e.backupType ? subject(e.backupType, e.tenantId).toLowerCase() : 'backup'} ${e.backupId} at ${e.provider} is damaged: ${e.reason}`,
    details: { provider: e.provider, reason: e.reason, ...(e.backupType ? { backupType: e.backupType } : {}) },
    tenantId: e.tenantId,
    backupId: e.backupId,
  };
}

export function redundancyDegradedAlerts(e: DomainEventOf<'backup.redundancy-degraded'>): AlertInput[] {
  return e.missing.map(({ provider, reason }) => ({
    type: 'REDUNDANCY_DEGRADED',
    severity: 'WARNING',
    dedupKey: alertKeys.redundancyDegraded(provider),
    // Verification finds copies missing long after completion (e.g. WAL files of a base backup's chain).
    message:
      e.initiatedBy === 'verification'
        ? `Verification found ${subject(e.backupType, e.tenantId).toLowerCase()} ${e.backupId} without a copy at ${provider}: ${reason}`
        : `${subject(e.backupType, e.tenantId)} completed without a copy at ${provider} (${reason}); replication will retry`,
    details: { provider, reason, backupType: e.backupType },
    tenantId: e.tenantId,
    backupId: e.backupId,
  }));
}

export function replicationGivenUpAlert(e: DomainEventOf<'replication.given-up'>): AlertInput {
  return {
    type: 'REDUNDANCY_DEGRADED',
    severity: 'ERROR',
    dedupKey: alertKeys.replicationGivenUp(e.provider),
    message: `Replication of ${subject(e.backupType, e.tenantId).toLowerCase()} ${e.backupId} to ${e.provider} gave up: ${e.reason}`,
    details: { provider: e.provider, reason: e.reason, backupType: e.backupType },
    tenantId: e.tenantId,
    backupId: e.backupId,
  };
}

export function providerUnreachableAlert(provider: string, operation: string, reason: string): AlertInput {
  return {
    type: 'PROVIDER_UNREACHABLE',
    severity: 'ERROR',
    dedupKey: alertKeys.providerUnreachable(provider),
    message: `Storage provider ${provider} could not be reached (${operation}): ${reason}`,
    details: { provider, operation, reason },
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export interface SizeCheck {
  medianBytes: number;
  /** storedBytes / median. */
  ratio: number;
  deviates: boolean;
}

/**
 * Whether `storedBytes` is `factor` times larger or smaller than the median of `history` (the tenant's earlier
 * backups); undefined while there are fewer than `minHistory` of them. The median, not the mean: one odd backup in
 * the history must not move the reference.
 */
export function checkSize(storedBytes: number, history: number[], factor: number, minHistory: number): SizeCheck | undefined {
  if (history.length < minHistory) return undefined;
  const medianBytes = median(history);
  if (medianBytes <= 0) return { medianBytes, ratio: storedBytes > 0 ? Infinity : 1, deviates: storedBytes > 0 };
  const ratio = storedBytes / medianBytes;
  return { medianBytes, ratio, deviates: ratio >= factor || ratio <= 1 / factor };
}

export function sizeDeviationAlert(e: DomainEventOf<'backup.completed'>, check: SizeCheck, factor: number, samples: number): AlertInput {
  const times = check.ratio >= 1 ? `${check.ratio.toFixed(1)}× the` : `1/${(1 / check.ratio).toFixed(1)} of the`;
  return {
    type: 'SIZE_DEVIATION',
    severity: 'WARNING',
    dedupKey: alertKeys.sizeDeviation(e.tenantId!),
    message: `Backup of tenant ${e.tenantId} stored ${e.storedBytes} bytes, ${times} recent median of ${Math.round(check.medianBytes)} bytes`,
    details: { storedBytes: e.storedBytes, medianBytes: Math.round(check.medianBytes), ratio: Number(check.ratio.toFixed(3)), factor, samples },
    tenantId: e.tenantId,
    backupId: e.backupId,
  };
}

export function durationAlert(e: DomainEventOf<'backup.completed'>, thresholdSeconds: number): AlertInput {
  return {
    type: 'DURATION_THRESHOLD',
    severity: 'WARNING',
    dedupKey: alertKeys.durationThreshold(e.backupType, e.tenantId),
    message: `${subject(e.backupType, e.tenantId)} took ${Math.round(e.durationMs / 1000)} s, over the ${thresholdSeconds} s threshold`,
    details: { backupType: e.backupType, durationMs: e.durationMs, thresholdSeconds },
    tenantId: e.tenantId,
    backupId: e.backupId,
  };
}

/** Below this many finished backups in the window a rate says little (one failure of two is not a trend). */
export const SUCCESS_RATE_MIN_SAMPLES = 5;

export function lowSuccessRateAlert(completed: number, failed: number, minRate: number, windowHours: number): AlertInput | undefined {
  const finished = completed + failed;
  if (finished < SUCCESS_RATE_MIN_SAMPLES || completed / finished >= minRate) return undefined;
  const rate = completed / finished;
  return {
    type: 'LOW_SUCCESS_RATE',
    severity: 'ERROR',
    dedupKey: alertKeys.lowSuccessRate(),
    message: `Only ${(rate * 100).toFixed(1)} % of the ${finished} backups of the last ${windowHours} h completed (minimum ${(minRate * 100).toFixed(1)} %)`,
    details: { completed, failed, rate: Number(rate.toFixed(4)), minRate, windowHours },
  };
}

/** Per-tenant NO_RECENT_BACKUP alerts are capped: past this many stale tenants, one platform-wide alert says how many. */
export const STALE_TENANT_ALERT_LIMIT = 25;

export function staleTenantAlert(tenantId: string, lastBackupAt: Date | undefined, staleAfterHours: number): AlertInput {
  return {
    type: 'NO_RECENT_BACKUP',
    severity: 'ERROR',
    dedupKey: alertKeys.noRecentBackup(tenantId),
    message: lastBackupAt
      ? `Tenant ${tenantId} has no completed backup since ${lastBackupAt.toISOString()} (more than ${staleAfterHours} h)`
      : `Tenant ${tenantId} has never been backed up successfully`,
    details: { lastBackupAt: lastBackupAt?.toISOString() ?? null, staleAfterHours },
    tenantId,
  };
}

export function staleTenantsPlatformAlert(staleTenantIds: string[], activeTenants: number, staleAfterHours: number): AlertInput {
  return {
    type: 'NO_RECENT_BACKUP',
    severity: 'CRITICAL',
    dedupKey: alertKeys.noRecentBackupPlatform(),
    message: `${staleTenantIds.length} of ${activeTenants} active tenants have no completed backup in the last ${staleAfterHours} h`,
    details: { staleTenants: staleTenantIds.length, activeTenants, staleAfterHours, sample: staleTenantIds.slice(0, STALE_TENANT_ALERT_LIMIT) },
  };
}

export function storageCapacityAlert(provider: string, bytes: number, quotaBytes: number): AlertInput {
  return {
    type: 'STORAGE_CAPACITY',
    severity: 'WARNING',
    dedupKey: alertKeys.storageCapacity(provider),
    message: `Backups at ${provider} take ${bytes} bytes, over the quota of ${quotaBytes} bytes (${((bytes / quotaBytes) * 100).toFixed(1)} %)`,
    details: { provider, bytes, quotaBytes },
  };
}
