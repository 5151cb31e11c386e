import { Transporter, createTransport } from 'nodemailer';
import { AlertChannel } from './alert-channel.port';
import { AlertDeliveryError } from './alert-delivery.errors';
import { formatAlertHeadline, formatEmailHtml, formatEmailText } from './alert-email-format';
import { AlertNotification } from './alert-notification';
import { SmtpErrorContext, translateSmtpError } from './smtp-error-translation';
import { addressOf, parseRecipients, parseSmtpUrl } from './smtp-settings';

export interface EmailChannelOptions {
  /** SMTP_URL: smtp://user:password@host:port or smtps://…; user and password URL-encoded. */
  smtpUrl: string;
  /** ALERT_EMAIL_TO: a comma-separated list, or the addresses one by one. */
  to: string | readonly string[];
  /** Sender; defaults to the SMTP user when it is an address, else tenantvault@localhost. */
  from?: string;
  /** TCP (and TLS) connect, DNS included, in ms. Default 5000: a dead server must fail fast, the queue retries. */
  connectionTimeoutMs?: number;
  /** Wait for the server's greeting after connecting, in ms. Default 5000. */
  greetingTimeoutMs?: number;
  /** Silence allowed mid-conversation, in ms. Default 15000. */
  socketTimeoutMs?: number;
}

/** Sends each notification as one plain-text + HTML e-mail to every recipient, through nodemailer. */
export class EmailChannel implements AlertChannel {
  readonly name = 'email' as const;
  private readonly transport: Transporter;
  private readonly from: string;
  private readonly to: string[];
  private readonly messageIdDomain: string;
  private readonly errorContext: SmtpErrorContext;

  constructor(options: EmailChannelOptions) {
    const smtp = parseSmtpUrl(options.smtpUrl);
    this.to = parseRecipients(options.to);
    const user = smtp.auth?.user;
    this.from = options.from ?? `"TenantVault" <${user?.includes('@') ? user : 'tenantvault@localhost'}>`;
    if (!addressOf(this.from).includes('@')) {
      throw new AlertDeliveryError('ALERT_DELIVERY.MISCONFIGURED', 'email: the sender is not an e-mail address', 'email');
    }
    this.messageIdDomain = addressOf(this.from).split('@')[1];
    const connectionTimeout = options.connectionTimeoutMs ?? 5000;
    // Not pooled: alerts are rare, and a connection per mail leaves nothing open between them.
    this.transport = createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      auth: smtp.auth,
      connectionTimeout,
      dnsTimeout: connectionTimeout,
      greetingTimeout: options.greetingTimeoutMs ?? 5000,
      socketTimeout: options.socketTimeoutMs ?? 15_000,
    });
    this.errorContext = { host: smtp.host, port: smtp.port, secrets: [smtp.auth?.pass, smtp.auth?.user] };
  }

  async send(notification: AlertNotification): Promise<void> {
    const raisedId = this.messageId(notification.alertId, 'raised');
    const headers: Record<string, string> = {
      // RFC 3834: vacation responders and ticket systems must not answer an automatic message.
      'Auto-Submitted': 'auto-generated',
      'X-TenantVault-Alert-Id': notification.alertId,
      'X-TenantVault-Alert-Type': notification.type,
      'X-TenantVault-Severity': notification.severity,
      'X-TenantVault-Event': notification.event,
    };
    try {
      await this.transport.sendMail({
        from: this.from,
        to: this.to,
        subject: formatAlertHeadline(notification),
        text: formatEmailText(notification),
        html: formatEmailHtml(notification),
        // Stable ids: a retried send is recognisably the same mail, and the resolution threads under its alert.
        messageId: this.messageId(notification.alertId, notification.event),
        ...(notification.event === 'resolved' ? { inReplyTo: raisedId, references: [raisedId] } : {}),
        headers,
      });
    } catch (error) {
      throw translateSmtpError(error, this.errorContext);
    }
  }

  private messageId(alertId: string, event: AlertNotification['event']): string {
    return `<alert-${alertId}.${event}@${this.messageIdDomain}>`;
  }
}
