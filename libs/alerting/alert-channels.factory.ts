import { AlertChannel } from './alert-channel.port';
import { AlertDeliveryError } from './alert-delivery.errors';
import { AlertSeverity } from './alert-notification';
import { EmailChannel, EmailChannelOptions } from './email.channel';
import { withMinimumSeverity } from './minimum-severity.channel';
import { WebhookChannel, WebhookChannelOptions } from './webhook.channel';

/** The alerts part of the application's configuration (SPEC §10), plus optional tuning. */
export interface AlertChannelsConfig {
  smtpUrl?: string;
  /** ALERT_EMAIL_TO, comma-separated. */
  emailTo?: string;
  emailFrom?: string;
  /** Below this severity no e-mail is sent (default: every severity). */
  emailMinimumSeverity?: AlertSeverity;
  webhookUrl?: string;
  webhookSecret?: string;
  webhookMinimumSeverity?: AlertSeverity;
  email?: Pick<EmailChannelOptions, 'connectionTimeoutMs' | 'greetingTimeoutMs' | 'socketTimeoutMs'>;
  webhook?: Pick<WebhookChannelOptions, 'timeoutMs'>;
}

function misconfigured(channel: AlertChannel['name'], message: string): AlertDeliveryError {
  return new AlertDeliveryError('ALERT_DELIVERY.MISCONFIGURED', `${channel}: ${message}`, channel);
}

/**
 * The channels the configuration turns on, e-mail first; none when nothing is set (alerts then live in the API only).
 * Half a channel's settings is refused rather than ignored, naming the variable that is missing.
 */
export function createAlertChannels(config: AlertChannelsConfig): AlertChannel[] {
  const channels: AlertChannel[] = [];
  if (config.smtpUrl || config.emailTo) {
    if (!config.smtpUrl) throw misconfigured('email', 'ALERT_EMAIL_TO is set but SMTP_URL is not');
    if (!config.emailTo) throw misconfigured('email', 'SMTP_URL is set but ALERT_EMAIL_TO is not');
    const email = new EmailChannel({ smtpUrl: config.smtpUrl, to: config.emailTo, from: config.emailFrom, ...config.email });
    channels.push(config.emailMinimumSeverity ? withMinimumSeverity(email, config.emailMinimumSeverity) : email);
  }
  if (config.webhookUrl || config.webhookSecret) {
    if (!config.webhookUrl) throw misconfigured('webhook', 'ALERT_WEBHOOK_SECRET is set but ALERT_WEBHOOK_URL is not');
    if (!config.webhookSecret) throw misconfigured('webhook', 'ALERT_WEBHOOK_URL is set but ALERT_WEBHOOK_SECRET is not');
    const webhook = new WebhookChannel({ url: config.webhookUrl, secret: config.webhookSecret, ...config.webhook });
    channels.push(config.webhookMinimumSeverity ? withMinimumSeverity(webhook, config.webhookMinimumSeverity) : webhook);
  }
  return channels;
}
