import { formatAlertHeadline } from './alert-email-format';
import { nextSteps } from './alert-next-steps';
import { AlertEvent, AlertNotification, AlertSeverity, AlertStatus, AlertType, JsonObject } from './alert-notification';

/** Bumped only for changes a receiver could trip over (a field removed or changing meaning); new fields do not bump it. */
export const WEBHOOK_PAYLOAD_VERSION = 1;

/**
 * The JSON body of a webhook delivery (docs/ALERT-CHANNELS.md). Every field is always present: absent ids and
 * resolution fields are null, so receivers need no existence checks. Timestamps are ISO 8601 in UTC.
 * The body of a notification is the same on every attempt; only the timestamp header and signature change,
 * so receivers can deduplicate on (alertId, event).
 */
export interface WebhookPayload {
  version: typeof WEBHOOK_PAYLOAD_VERSION;
  event: AlertEvent;
  alertId: string;
  type: AlertType;
  severity: AlertSeverity;
  status: AlertStatus;
  /** The e-mail subject line, for chat tools that display a `text` field. */
  text: string;
  message: string;
  tenantId: string | null;
  backupId: string | null;
  restoreId: string | null;
  firstSeenAt: string;
  lastSeenAt: string;
  occurrences: number;
  resolvedAt: string | null;
  resolutionNote: string | null;
  details: JsonObject;
  nextSteps: string;
}

export function buildWebhookPayload(n: AlertNotification): WebhookPayload {
  return {
    version: WEBHOOK_PAYLOAD_VERSION,
    event: n.event,
    alertId: n.alertId,
    type: n.type,
    severity: n.severity,
    status: n.status,
    text: formatAlertHeadline(n),
    message: n.message,
    tenantId: n.tenantId ?? null,
    backupId: n.backupId ?? null,
    restoreId: n.restoreId ?? null,
    firstSeenAt: n.firstSeenAt.toISOString(),
    lastSeenAt: n.lastSeenAt.toISOString(),
    occurrences: n.occurrences,
    resolvedAt: n.resolvedAt?.toISOString() ?? null,
    resolutionNote: n.resolutionNote ?? null,
    details: n.details,
    nextSteps: nextSteps(n.type),
  };
}
