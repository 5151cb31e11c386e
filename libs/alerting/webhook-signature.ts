import { createHmac, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_SIGNATURE_HEADER = 'X-TenantVault-Signature';
export const WEBHOOK_TIMESTAMP_HEADER = 'X-TenantVault-Timestamp';
/** How old (or how far ahead, for clock skew) a timestamp may be before a receiver refuses it as a replay. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

const TIMESTAMP = /^\d{1,15}$/;
const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

function hmac(secret: string, timestamp: string, body: string | Buffer): Buffer {
  if (!secret) throw new TypeError('webhook signature: the secret is empty');
  // The body's bytes are hashed exactly as they travel: a Buffer is not decoded and re-encoded on the way.
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body).digest();
}

/**
 * `sha256=` + hex HMAC-SHA256, keyed with the UTF-8 bytes of the secret, of the UTF-8 bytes of
 * `<timestamp>.<raw body>`: the decimal unix-seconds timestamp exactly as sent in X-TenantVault-Timestamp,
 * one full stop, then the request body byte for byte. Covering the timestamp is what lets receivers refuse replays.
 */
export function signWebhookBody(secret: string, timestamp: number | string, body: string | Buffer): string {
  const ts = String(timestamp);
  if (!TIMESTAMP.test(ts)) throw new TypeError(`webhook signature: timestamp must be whole unix seconds (got ${JSON.stringify(ts)})`);
  return `sha256=${hmac(secret, ts, body).toString('hex')}`;
}

export interface WebhookVerificationInput {
  secret: string;
  /** The X-TenantVault-Timestamp header as received. */
  timestamp: string | number | undefined;
  /** The raw request body, before any JSON parsing. */
  body: string | Buffer;
  /** The X-TenantVault-Signature header as received. */
  signature: string | undefined;
  /** Refuse timestamps further than this from `now`, either way; default 300 (5 minutes). */
  toleranceSeconds?: number;
  /** Defaults to the current time. */
  now?: Date;
}

/**
 * true only if the signature is ours for exactly this timestamp and body and the timestamp is fresh.
 * Returns a boolean rather than a reason so that `if (!verifyWebhookSignature(...))` cannot be gotten wrong.
 */
export function verifyWebhookSignature(input: WebhookVerificationInput): boolean {
  const timestamp = input.timestamp === undefined ? '' : String(input.timestamp).trim();
  if (!TIMESTAMP.test(timestamp)) return false;
  const tolerance = input.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
  const nowSeconds = Math.floor((input.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSeconds - Number(timestamp)) > tolerance) return false;
  const given = SIGNATURE.exec((input.signature ?? '').trim())?.[1];
  if (!given) return false;
  // Both sides are 32 bytes here, which timingSafeEqual requires; the comparison takes the same time wherever they differ.
  return timingSafeEqual(Buffer.from(given, 'hex'), hmac(input.secret, timestamp, input.body));
}
