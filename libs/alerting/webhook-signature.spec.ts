import { signWebhookBody, verifyWebhookSignature } from './webhook-signature';

// Computed independently: printf '%s' '1767225600.{"alertId":"a1","severity":"CRITICAL"}' | openssl dgst -sha256 -hmac whsec_test_secret
const SECRET = 'whsec_test_secret';
const TIMESTAMP = '1767225600'; // 2026-01-01T00:00:00Z
const BODY = '{"alertId":"a1","severity":"CRITICAL"}';
const SIGNATURE = 'sha256=c296ddba48bd4dff69eb9375f0449f135d4e3a107fa3206ec3f5a431045302ae';
const NOW = new Date('2026-01-01T00:01:00Z');

const verify = (changes: Partial<Parameters<typeof verifyWebhookSignature>[0]> = {}) =>
  verifyWebhookSignature({ secret: SECRET, timestamp: TIMESTAMP, body: BODY, signature: SIGNATURE, now: NOW, ...changes });

describe('signWebhookBody', () => {
  it('is HMAC-SHA256 of "<timestamp>.<body>", as openssl computes it', () => {
    expect(signWebhookBody(SECRET, TIMESTAMP, BODY)).toBe(SIGNATURE);
    expect(signWebhookBody(SECRET, Number(TIMESTAMP), Buffer.from(BODY))).toBe(SIGNATURE);
  });

  it('hashes a Buffer body byte for byte (no re-encoding of non-ASCII text)', () => {
    const body = Buffer.from('{"message":"Größe überschritten …"}', 'utf8');
    expect(signWebhookBody(SECRET, TIMESTAMP, body)).toBe(signWebhookBody(SECRET, TIMESTAMP, body.toString('utf8')));
  });

  it('refuses a timestamp that is not whole unix seconds, and an empty secret', () => {
    expect(() => signWebhookBody(SECRET, '1767225600.5', BODY)).toThrow(TypeError);
    expect(() => signWebhookBody(SECRET, -1, BODY)).toThrow(TypeError);
    expect(() => signWebhookBody('', TIMESTAMP, BODY)).toThrow(TypeError);
  });
});

describe('verifyWebhookSignature', () => {
  it('accepts our signature over this timestamp and body', () => {
    expect(verify()).toBe(true);
    expect(verify({ body: Buffer.from(BODY) })).toBe(true);
    expect(verify({ signature: SIGNATURE.toUpperCase().replace('SHA256=', 'sha256=') })).toBe(true);
  });

  it('refuses an altered body, timestamp or secret', () => {
    expect(verify({ body: BODY.replace('CRITICAL', 'INFO') })).toBe(false);
    expect(verify({ body: `${BODY} ` })).toBe(false);
    expect(verify({ timestamp: '1767225601' })).toBe(false);
    expect(verify({ secret: 'whsec_other' })).toBe(false);
  });

  it('refuses timestamps more than the tolerance away from now, in either direction', () => {
    expect(verify({ now: new Date('2026-01-01T00:05:00Z') })).toBe(true); // exactly 300 s old
    expect(verify({ now: new Date('2026-01-01T00:05:01Z') })).toBe(false);
    expect(verify({ now: new Date('2025-12-31T23:54:59Z') })).toBe(false); // from 301 s in the future
    expect(verify({ now: new Date('2026-01-01T00:00:30Z'), toleranceSeconds: 10 })).toBe(false);
  });

  it('refuses missing or malformed headers rather than throwing', () => {
    expect(verify({ signature: undefined })).toBe(false);
    expect(verify({ timestamp: undefined })).toBe(false);
    expect(verify({ timestamp: 'yesterday' })).toBe(false);
    expect(verify({ signature: SIGNATURE.slice('sha256='.length) })).toBe(false);
    expect(verify({ signature: 'sha1=c296ddba48bd4dff69eb9375f0449f135d4e3a10' })).toBe(false);
    expect(verify({ signature: `${SIGNATURE}00` })).toBe(false);
  });
});
