import { classifyWebhookStatus, translateWebhookError, webhookStatusError } from './webhook-error-translation';

const SECRET = 'whsec-super-secret-1';
const ctx = { origin: 'https://hooks.example.com', secrets: [SECRET, '/services/T000/B000/XXXXTOKEN'] };
/** Shaped like fetch's rejections: a TypeError whose cause carries the system code. */
const fetchFailed = (cause: object) => Object.assign(new TypeError('fetch failed'), { cause });
const timeout = () => Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });

describe('classifyWebhookStatus', () => {
  it.each([
    [500, 'ALERT_DELIVERY.TEMPORARILY_REFUSED'],
    [502, 'ALERT_DELIVERY.TEMPORARILY_REFUSED'],
    [503, 'ALERT_DELIVERY.TEMPORARILY_REFUSED'],
    [408, 'ALERT_DELIVERY.TEMPORARILY_REFUSED'],
    [429, 'ALERT_DELIVERY.TEMPORARILY_REFUSED'],
    [400, 'ALERT_DELIVERY.REJECTED'],
    [404, 'ALERT_DELIVERY.REJECTED'],
    [413, 'ALERT_DELIVERY.REJECTED'],
    [401, 'ALERT_DELIVERY.AUTH_FAILED'],
    [403, 'ALERT_DELIVERY.AUTH_FAILED'],
    [301, 'ALERT_DELIVERY.MISCONFIGURED'],
    [307, 'ALERT_DELIVERY.MISCONFIGURED'],
  ])('HTTP %i is %s', (status, code) => {
    expect(classifyWebhookStatus(status)).toBe(code);
  });

  it('makes 5xx, 408 and 429 retryable and other answers not', () => {
    expect(webhookStatusError(503, 'Service Unavailable', '', ctx).retryable).toBe(true);
    expect(webhookStatusError(429, 'Too Many Requests', '', ctx).retryable).toBe(true);
    expect(webhookStatusError(400, 'Bad Request', '', ctx).retryable).toBe(false);
    expect(webhookStatusError(302, 'Found', '', ctx).retryable).toBe(false);
  });

  it('quotes the answer, flattened, without secrets the receiver echoes back', () => {
    const error = webhookStatusError(400, 'Bad Request', `bad signature\nfor key ${SECRET} on /services/T000/B000/XXXXTOKEN`, ctx);
    expect(error.message).toBe('webhook: POST to https://hooks.example.com failed: HTTP 400 Bad Request: bad signature for key *** on ***');
    expect(error.status).toBe(400);
  });
});

describe('translateWebhookError', () => {
  it.each([
    ['a refused connection', fetchFailed({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.1:443' }), 'ALERT_DELIVERY.UNREACHABLE'],
    ['a happy-eyeballs refusal', fetchFailed(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })])), 'ALERT_DELIVERY.UNREACHABLE'],
    ['a DNS failure', fetchFailed({ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND hooks.example.com' }), 'ALERT_DELIVERY.UNREACHABLE'],
    ['a closed socket', fetchFailed({ code: 'UND_ERR_SOCKET', message: 'other side closed' }), 'ALERT_DELIVERY.UNREACHABLE'],
    ['a connect timeout', fetchFailed({ code: 'UND_ERR_CONNECT_TIMEOUT', message: 'Connect Timeout Error' }), 'ALERT_DELIVERY.TIMEOUT'],
    ['our own timeout', timeout(), 'ALERT_DELIVERY.TIMEOUT'],
  ])('%s is retryable', (_label, error, code) => {
    expect(translateWebhookError(error, ctx)).toMatchObject({ code, retryable: true, channel: 'webhook' });
  });

  it.each([
    ['a certificate that does not verify', fetchFailed({ code: 'CERT_HAS_EXPIRED', message: 'certificate has expired' })],
    ['a hostname mismatch', fetchFailed({ code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: "Hostname/IP does not match certificate's altnames" })],
    ['a port fetch refuses to use', fetchFailed(new Error('bad port'))],
  ])('%s is bad configuration, not retryable', (_label, error) => {
    expect(translateWebhookError(error, ctx)).toMatchObject({ code: 'ALERT_DELIVERY.MISCONFIGURED', retryable: false });
  });

  it('names the origin and the system code only', () => {
    const error = translateWebhookError(fetchFailed({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.1:443' }), ctx);
    expect(error.message).toBe('webhook: POST to https://hooks.example.com failed: ECONNREFUSED: fetch failed (connect ECONNREFUSED 10.0.0.1:443)');
    expect(error.cause).toBeUndefined();
  });
});
