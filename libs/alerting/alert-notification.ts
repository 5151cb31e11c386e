/** What went wrong (SPEC §9). Rules raise these; channels only carry them. */
export const ALERT_TYPES = [
  'BACKUP_FAILURE',
  'RESTORE_FAILURE',
  'INTEGRITY_FAILURE',
  'SIZE_DEVIATION',
  'DURATION_THRESHOLD',
  'STORAGE_CAPACITY',
  'NO_RECENT_BACKUP',
  'PROVIDER_UNREACHABLE',
  'REDUNDANCY_DEGRADED',
  'LOW_SUCCESS_RATE',
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

/** Lowest first: the order is what `isAtLeast` and the minimum-severity filter compare. */
export const ALERT_SEVERITIES = ['INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const ALERT_STATUSES = ['ACTIVE', 'ACKNOWLEDGED', 'RESOLVED'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** Why a notification goes out: an alert was raised, or it was resolved (by its rule or by an operator). */
export const ALERT_EVENTS = ['raised', 'resolved'] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * One alert as a channel delivers it. A resolution notice keeps the severity of the alert it resolves,
 * so a channel that receives an alert also receives its resolution.
 */
export interface AlertNotification {
  alertId: string;
  type: AlertType;
  severity: AlertSeverity;
  status: AlertStatus;
  event: AlertEvent;
  /** One human sentence; its first line becomes the e-mail subject. */
  message: string;
  /** Facts a rule recorded (sizes, durations, provider, reason). Never secrets: this goes out as is. */
  details: JsonObject;
  tenantId?: string;
  backupId?: string;
  restoreId?: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** How many times the condition was seen while the alert was open (at least 1). */
  occurrences: number;
  /** Set when event is 'resolved'. */
  resolvedAt?: Date;
  /** Set when event is 'resolved': what cleared it, or the operator's note. */
  resolutionNote?: string;
}
