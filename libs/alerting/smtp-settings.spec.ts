import { AlertDeliveryError } from './alert-delivery.errors';
import { addressOf, parseRecipients, parseSmtpUrl } from './smtp-settings';

describe('parseSmtpUrl', () => {
  it('reads host, port, TLS mode and URL-encoded credentials', () => {
    expect(parseSmtpUrl('smtp://user%40example.com:p%40ss%2Fword@smtp.example.com:2525')).toEqual({
      host: 'smtp.example.com',
      port: 2525,
      secure: false,
      auth: { user: 'user@example.com', pass: 'p@ss/word' },
    });
    expect(parseSmtpUrl('smtps://mail.example.com')).toEqual({ host: 'mail.example.com', port: 465, secure: true, auth: undefined });
    expect(parseSmtpUrl('smtp://mailpit:1025')).toMatchObject({ host: 'mailpit', port: 1025, secure: false });
    expect(parseSmtpUrl('smtp://[::1]')).toMatchObject({ host: '::1', port: 587 });
  });

  it.each([
    ['no scheme', 'user:s3cr3t-value@smtp.example.com:587'],
    ['not a URL', 'smtp://user:s3cr3t-value@'],
    ['another scheme', 'http://user:s3cr3t-value@smtp.example.com'],
    ['query parameters', 'smtp://user:s3cr3t-value@smtp.example.com?tls.rejectUnauthorized=false'],
    ['a password without user', 'smtp://:s3cr3t-value@smtp.example.com'],
  ])('refuses %s as bad configuration, without repeating the password', (_label, url) => {
    let error: unknown;
    try {
      parseSmtpUrl(url);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AlertDeliveryError);
    expect(error).toMatchObject({ code: 'ALERT_DELIVERY.MISCONFIGURED', retryable: false, channel: 'email' });
    expect((error as Error).message).not.toContain('s3cr3t-value');
  });
});

describe('parseRecipients', () => {
  it('splits ALERT_EMAIL_TO on commas and accepts display names', () => {
    expect(parseRecipients(' ops@example.com, On Call <oncall@example.com> ,')).toEqual(['ops@example.com', 'On Call <oncall@example.com>']);
    expect(addressOf('On Call <oncall@example.com>')).toBe('oncall@example.com');
    expect(addressOf('ops@example.com')).toBe('ops@example.com');
  });

  it('refuses an empty list and entries that are not addresses', () => {
    expect(() => parseRecipients(' , ')).toThrow(/ALERT_EMAIL_TO lists no recipient/);
    expect(() => parseRecipients('ops@example.com; dev@example.com')).toThrow(/invalid address/);
    expect(() => parseRecipients('ops')).toThrow(AlertDeliveryError);
  });
});
