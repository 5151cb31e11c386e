import type { AlertChannelName, AlertEvent, AlertNotification } from '../../../libs/alerting';

export enum AlertsQueue {
  DELIVERY = 'alert-delivery',
}

export enum AlertDeliveryJob {
  SEND = 'send-notification',
}

/**
 * One notification to one channel. Unlike other jobs it carries the notification itself, as it was when the alert was
 * raised or resolved: every retry then sends the same body byte for byte (docs/ALERT-CHANNELS.md), whatever happened
 * to the alert since. Dates travel as ISO strings.
 */
export interface DeliverAlertPayload {
  alertId: string;
  event: AlertEvent;
  channel: AlertChannelName;
  notification: Omit<AlertNotification, 'firstSeenAt' | 'lastSeenAt' | 'resolvedAt'> & { firstSeenAt: string; lastSeenAt: string; resolvedAt?: string };
}

/** One job per (alert, event, channel): enqueueing it again is a no-op, so a notification goes out once. */
export const deliveryJobId = (alertId: string, event: AlertEvent, channel: AlertChannelName) => `alert-${alertId}-${event}-${channel}`;
