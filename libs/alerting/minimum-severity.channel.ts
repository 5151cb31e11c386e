import { AlertChannel, AlertChannelName } from './alert-channel.port';
import { AlertNotification, AlertSeverity } from './alert-notification';
import { isAlertSeverity, isAtLeast } from './alert-severity';

/**
 * A channel that only hears alerts of `minimum` severity or worse (e.g. pages on CRITICAL only). A resolution notice
 * carries the severity of the alert it resolves, so it passes exactly when its alert did.
 */
export class MinimumSeverityChannel implements AlertChannel {
  readonly name: AlertChannelName;

  constructor(
    readonly inner: AlertChannel,
    readonly minimum: AlertSeverity,
  ) {
    if (!isAlertSeverity(minimum)) throw new RangeError(`unknown alert severity "${String(minimum)}"`);
    this.name = inner.name;
  }

  /** Whether `send` would deliver it; the delivery queue can skip enqueuing what would be dropped. */
  accepts(notification: AlertNotification): boolean {
    return isAtLeast(notification.severity, this.minimum);
  }

  async send(notification: AlertNotification): Promise<void> {
    if (this.accepts(notification)) await this.inner.send(notification);
  }
}

export function withMinimumSeverity(channel: AlertChannel, minimum: AlertSeverity): MinimumSeverityChannel {
  return new MinimumSeverityChannel(channel, minimum);
}
