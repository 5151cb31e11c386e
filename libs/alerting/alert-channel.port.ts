import { AlertNotification } from './alert-notification';

export const ALERT_CHANNEL_NAMES = ['email', 'webhook'] as const;
export type AlertChannelName = (typeof ALERT_CHANNEL_NAMES)[number];

/**
 * Somewhere an alert is delivered to people or machines. `send` resolves once the far end accepted the
 * notification (the SMTP server queued the mail, the webhook answered 2xx) and otherwise throws an
 * AlertDeliveryError whose `retryable` tells the delivery queue whether another attempt can help.
 * Channels hold no state between calls: the queue owns retries and deduplication.
 */
export interface AlertChannel {
  readonly name: AlertChannelName;
  send(notification: AlertNotification): Promise<void>;
}
