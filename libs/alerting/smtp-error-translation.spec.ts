import { AlertDeliveryError } from './alert-delivery.errors';
import { translateSmtpError } from './smtp-error-translation';

const PASSWORD = 'sm7p-p@ssword-value';
const ctx = { host: 'smtp.example.com', port: 587, secrets: [PASSWORD, 'alerts@example.com'] };
/** Shaped like nodemailer's rejections: `code` is nodemailer's, `originalCode` the system's, `responseCode` the server's reply. */
const smtpError = (message: string, fields: { code?: string; originalCode?: string; responseCode?: number; command?: string }) =>
  Object.assign(new Error(message), fields);

describe('translateSmtpError', () => {
  it.each([
    ['connection refused', smtpError('connect ECONNREFUSED 10.0.0.1:587', { code: 'ESOCKET', originalCode: 'ECONNREFUSED', command: 'CONN' }), 'ALERT_DELIVERY.UNREACHABLE'],
    ['DNS failure', smtpError('getaddrinfo ENOTFOUND smtp.example.com', { code: 'EDNS', originalCode: 'ENOTFOUND' }), 'ALERT_DELIVERY.UNREACHABLE'],
    ['connection dropped', smtpError('Connection closed unexpectedly', { code: 'ECONNECTION' }), 'ALERT_DELIVERY.UNREACHABLE'],
    ['connect timeout', smtpError('Connection timeout', { code: 'ETIMEDOUT', command: 'CONN' }), 'ALERT_DELIVERY.TIMEOUT'],
    ['greeting 421', smtpError('Invalid greeting: 421 too busy', { code: 'EPROTOCOL', responseCode: 421 }), 'ALERT_DELIVERY.TEMPORARILY_REFUSED'],
    ['greylisting 451', smtpError('Message failed: 451 try later', { code: 'EMESSAGE', responseCode: 451, command: 'DATA' }), 'ALERT_DELIVERY.TEMPORARILY_REFUSED'],
    ['temporary auth failure 454', smtpError('Invalid login: 454 try later', { code: 'EAUTH', responseCode: 454 }), 'ALERT_DELIVERY.TEMPORARILY_REFUSED'],
  ])('a %s is retryable', (_label, error, code) => {
    expect(translateSmtpError(error, ctx)).toMatchObject({ code, retryable: true, channel: 'email' });
  });

  it.each([
    ['refused recipient 550', smtpError("Can't send mail - all recipients were rejected: 550 no such user", { code: 'EENVELOPE', responseCode: 550 }), 'ALERT_DELIVERY.REJECTED'],
    ['refused login 535', smtpError('Invalid login: 535 bad credentials', { code: 'EAUTH', responseCode: 535 }), 'ALERT_DELIVERY.AUTH_FAILED'],
    ['missing credentials', smtpError('Missing credentials for "PLAIN"', { code: 'EAUTH', command: 'API' }), 'ALERT_DELIVERY.AUTH_FAILED'],
    ['certificate that does not verify', smtpError('self-signed certificate', { code: 'ESOCKET', originalCode: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'ALERT_DELIVERY.MISCONFIGURED'],
    ['TLS on a plain port', smtpError('Error initiating TLS', { code: 'ETLS' }), 'ALERT_DELIVERY.MISCONFIGURED'],
    ['server that is not SMTP', smtpError('Invalid greeting. response=HTTP/1.1 400', { code: 'EPROTOCOL' }), 'ALERT_DELIVERY.MISCONFIGURED'],
  ])('a %s is not retryable', (_label, error, code) => {
    expect(translateSmtpError(error, ctx)).toMatchObject({ code, retryable: false });
  });

  it('names host, port, the system code and the reply, never the credentials', () => {
    const error = translateSmtpError(
      smtpError(`Invalid login: 535 user alerts@example.com password ${PASSWORD} refused`, { code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN' }),
      ctx,
    );
    expect(error).toBeInstanceOf(AlertDeliveryError);
    expect(error.status).toBe(535);
    expect(error.message).toMatch(/^email: sending via smtp\.example\.com:587 failed: EAUTH at AUTH PLAIN: Invalid login: 535/);
    expect(error.message).not.toContain(PASSWORD);
    expect(error.message).not.toContain(encodeURIComponent(PASSWORD));
    expect(error.message).not.toContain('alerts@example.com');
    expect(error.cause).toBeUndefined();

    const refused = translateSmtpError(smtpError('connect ECONNREFUSED 10.0.0.1:587', { code: 'ESOCKET', originalCode: 'ECONNREFUSED' }), ctx);
    expect(refused.message).toContain('ECONNREFUSED');
  });

  it('keeps an AlertDeliveryError as it is', () => {
    const original = new AlertDeliveryError('ALERT_DELIVERY.MISCONFIGURED', 'email: x', 'email');
    expect(translateSmtpError(original, ctx)).toBe(original);
  });
});
