import { ALERT_SEVERITIES, AlertSeverity } from './alert-notification';

/** 0 for INFO up to 3 for CRITICAL. */
export function severityRank(severity: AlertSeverity): number {
  const rank = ALERT_SEVERITIES.indexOf(severity);
  if (rank < 0) throw new RangeError(`unknown alert severity "${String(severity)}"`);
  return rank;
}

/** Negative, zero or positive, as Array.prototype.sort wants: sorts from least to most severe. */
export function compareSeverities(a: AlertSeverity, b: AlertSeverity): number {
  return severityRank(a) - severityRank(b);
}

export function isAtLeast(severity: AlertSeverity, minimum: AlertSeverity): boolean {
  return severityRank(severity) >= severityRank(minimum);
}

export function isAlertSeverity(value: unknown): value is AlertSeverity {
  return typeof value === 'string' && (ALERT_SEVERITIES as readonly string[]).includes(value);
}
