import { AlertDeliveryError } from './alert-delivery.errors';
import { createAlertChannels } from './alert-channels.factory';
import { EmailChannel } from './email.channel';
import { MinimumSeverityChannel } from './minimum-severity.channel';
import { WebhookChannel } from './webhook.channel';

const email = { smtpUrl: 'smtp://user:CHANGE_ME@smtp.example.com:587', emailTo: 'ops@example.com' };
const webhook = { webhookUrl: 'https://hooks.example.com/tenantvault', webhookSecret: 'CHANGE_ME' };

describe('createAlertChannels', () => {
  it('turns on nothing when nothing is configured (alerts then live in the API only)', () => {
    expect(createAlertChannels({})).toEqual([]);
  });

  it('builds e-mail then webhook, each wrapped with its minimum severity when one is given', () => {
    const [mail, hook] = createAlertChannels({ ...email, ...webhook, webhookMinimumSeverity: 'ERROR' });
    expect(mail).toBeInstanceOf(EmailChannel);
    expect(hook).toBeInstanceOf(MinimumSeverityChannel);
    expect((hook as MinimumSeverityChannel).inner).toBeInstanceOf(WebhookChannel);
    expect(hook.name).toBe('webhook');
  });

  it.each([
    [{ smtpUrl: email.smtpUrl }, 'ALERT_EMAIL_TO'],
    [{ emailTo: email.emailTo }, 'SMTP_URL'],
    [{ webhookUrl: webhook.webhookUrl }, 'ALERT_WEBHOOK_SECRET'],
    [{ webhookSecret: webhook.webhookSecret }, 'ALERT_WEBHOOK_URL'],
  ])('refuses half a channel (%o), naming what is missing', (config, missing) => {
    expect(() => createAlertChannels(config)).toThrow(AlertDeliveryError);
    expect(() => createAlertChannels(config)).toThrow(`${missing} is not`);
  });

  it('refuses a webhook URL that is not http(s) without showing it', () => {
    expect(() => createAlertChannels({ webhookUrl: 'ftp://hooks.example.com/T0KEN', webhookSecret: 'x' })).toThrow(/must start with http/);
    expect(() => createAlertChannels({ webhookUrl: 'ftp://hooks.example.com/T0KEN', webhookSecret: 'x' })).not.toThrow(/T0KEN/);
  });
});
