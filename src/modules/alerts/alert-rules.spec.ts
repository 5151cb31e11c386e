import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALERT_TYPES, NEXT_STEPS } from '../../../libs/alerting';
import type { DomainEventOf } from '../../common/domain-events';
import { alertKeys, backupFailureAlert, checkSize, durationAlert, lowSuccessRateAlert, median, redundancyDegradedAlerts, sizeDeviationAlert, staleTenantAlert } from './alert-rules';

const TENANT = '11111111-1111-4111-8111-111111111111';
const completed = (storedBytes: number, durationMs = 1000): DomainEventOf<'backup.completed'> => ({
  type: 'backup.completed',
  backupId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
  backupType: 'TENANT',
  tenantId: TENANT,
  initiatedBy: 'scheduler',
  rawBytes: storedBytes * 3,
  storedBytes,
  durationMs,
  storedProviders: ['local'],
  missingProviders: [],
});

describe('alert rules', () => {
  describe('SIZE_DEVIATION', () => {
    const history = [1000, 1100, 950, 1050, 990];

    it('judges against the median of the history, which one odd backup does not move', () => {
      expect(median([1, 3, 2])).toBe(2);
      expect(median([1, 2, 3, 100])).toBe(2.5);
      expect(checkSize(1000, [...history, 1_000_000], 3, 5)?.medianBytes).toBe(1025);
    });

    it('fires at 10× the median and at a tenth of it, not for ±20 %', () => {
      expect(checkSize(10_000, history, 3, 5)).toMatchObject({ deviates: true, ratio: 10 });
      expect(checkSize(100, history, 3, 5)?.deviates).toBe(true);
      expect(checkSize(1200, history, 3, 5)?.deviates).toBe(false);
      expect(checkSize(800, history, 3, 5)?.deviates).toBe(false);
    });

    it('says nothing until there is enough history', () => {
      expect(checkSize(1_000_000, history.slice(0, 4), 3, 5)).toBeUndefined();
    });

    it('names the tenant, the size and the median', () => {
      const alert = sizeDeviationAlert(completed(10_000), checkSize(10_000, history, 3, 5)!, 3, 5);
      expect(alert).toMatchObject({ type: 'SIZE_DEVIATION', dedupKey: alertKeys.sizeDeviation(TENANT), tenantId: TENANT, details: { storedBytes: 10_000, medianBytes: 1000, ratio: 10 } });
      expect(alert.message).toContain('10.0× the recent median of 1000 bytes');
    });
  });

  it('BACKUP_FAILURE: one key per tenant for its TENANT and PRE_RESTORE backups, platform-wide for disaster backups', () => {
    const failed = (backupType: 'TENANT' | 'PRE_RESTORE' | 'DISASTER', tenantId?: string): DomainEventOf<'backup.failed'> => ({ type: 'backup.failed', backupId: 'b1', backupType, tenantId, initiatedBy: 'x', reason: 'ENOSPC', durationMs: 5 });
    expect(backupFailureAlert(failed('TENANT', TENANT)).dedupKey).toBe(backupFailureAlert(failed('PRE_RESTORE', TENANT)).dedupKey);
    expect(backupFailureAlert(failed('TENANT', TENANT))).toMatchObject({ severity: 'ERROR', message: `Backup of tenant ${TENANT} failed: ENOSPC` });
    expect(backupFailureAlert(failed('DISASTER'))).toMatchObject({ severity: 'CRITICAL', dedupKey: 'BACKUP_FAILURE:disaster:platform' });
  });

  it('REDUNDANCY_DEGRADED: one alert per missing provider, keyed by provider so an outage is one alert', () => {
    const alerts = redundancyDegradedAlerts({ type: 'backup.redundancy-degraded', backupId: 'b1', backupType: 'TENANT', tenantId: TENANT, initiatedBy: 'x', missing: [{ provider: 'b2', reason: 'down' }, { provider: 'r2', reason: 'down' }] });
    expect(alerts.map((a) => a.dedupKey)).toEqual(['REDUNDANCY_DEGRADED:b2', 'REDUNDANCY_DEGRADED:r2']);
    expect(alerts[0].message).toBe(`Backup of tenant ${TENANT} completed without a copy at b2 (down); replication will retry`);
  });

  it('REDUNDANCY_DEGRADED found by verification says so, not that the backup just completed', () => {
    const [alert] = redundancyDegradedAlerts({ type: 'backup.redundancy-degraded', backupId: 'b1', backupType: 'BASE', initiatedBy: 'verification', missing: [{ provider: 'b2', reason: '3 archived WAL files are missing here' }] });
    expect(alert.message).toMatch(/^Verification found .* b1 without a copy at b2: 3 archived WAL files are missing here$/);
  });

  it('DURATION_THRESHOLD names the duration and the threshold', () => {
    expect(durationAlert(completed(1, 7_200_000), 3600).message).toBe(`Backup of tenant ${TENANT} took 7200 s, over the 3600 s threshold`);
  });

  it('LOW_SUCCESS_RATE needs enough finished backups and a rate under the minimum', () => {
    expect(lowSuccessRateAlert(1, 3, 0.9, 24)).toBeUndefined(); // 4 finished: too few to call it a trend
    expect(lowSuccessRateAlert(9, 1, 0.9, 24)).toBeUndefined();
    expect(lowSuccessRateAlert(8, 2, 0.9, 24)).toMatchObject({ type: 'LOW_SUCCESS_RATE', details: { completed: 8, failed: 2, rate: 0.8 } });
  });

  it('NO_RECENT_BACKUP says when the tenant was last backed up, or that it never was', () => {
    expect(staleTenantAlert(TENANT, undefined, 24).message).toBe(`Tenant ${TENANT} has never been backed up successfully`);
    expect(staleTenantAlert(TENANT, new Date('2026-01-01T00:00:00Z'), 24).message).toContain('since 2026-01-01T00:00:00.000Z');
  });

  it('docs/MONITORING.md catalogues every alert type with the runbook line its notifications carry', () => {
    const doc = readFileSync(join(__dirname, '../../../docs/MONITORING.md'), 'utf8');
    for (const type of ALERT_TYPES) expect(doc).toContain(`| \`${type}\` |`);
    for (const type of ALERT_TYPES) expect(doc).toContain(NEXT_STEPS[type]);
  });
});
