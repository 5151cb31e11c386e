import { AlertChannelName } from './alert-channel.port';

/** Stable codes: the delivery queue and logs branch on these, never on nodemailer's or undici's error names. */
export type AlertDeliveryErrorCode =
  /** Nothing answered: connection refused or reset, DNS failure, host unreachable. */
  | 'ALERT_DELIVERY.UNREACHABLE'
  /** Connected, but no (complete) answer in time. */
  | 'ALERT_DELIVERY.TIMEOUT'
  /** The far end answered "not now": HTTP 5xx, 408, 429; SMTP 4xx. */
  | 'ALERT_DELIVERY.TEMPORARILY_REFUSED'
  /** The far end refused this notification for good: HTTP 3xx and other 4xx; SMTP 5xx. */
  | 'ALERT_DELIVERY.REJECTED'
  /** Credentials were refused: SMTP login, HTTP 401/403 (usually a webhook secret the receiver does not share). */
  | 'ALERT_DELIVERY.AUTH_FAILED'
  /** The channel's own settings are wrong: bad URL or recipients, TLS or protocol mismatch. */
  | 'ALERT_DELIVERY.MISCONFIGURED';

/** Retrying helps only when the far end may answer differently later; configuration and refusals need a person. */
const RETRYABLE: ReadonlySet<AlertDeliveryErrorCode> = new Set<AlertDeliveryErrorCode>([
  'ALERT_DELIVERY.UNREACHABLE',
  'ALERT_DELIVERY.TIMEOUT',
  'ALERT_DELIVERY.TEMPORARILY_REFUSED',
]);

export function isRetryableCode(code: AlertDeliveryErrorCode): boolean {
  return RETRYABLE.has(code);
}

/**
 * Why a notification was not delivered. The message names the channel and the endpoint's host but never
 * credentials, the webhook secret or a webhook URL's path (chat tools keep their token there).
 * The transport's error is deliberately not kept as `cause`: it may carry the connection options.
 */
export class AlertDeliveryError extends Error {
  readonly retryable: boolean;

  constructor(
    readonly code: AlertDeliveryErrorCode,
    message: string,
    readonly channel: AlertChannelName,
    /** The HTTP status or SMTP reply code the far end answered with, when it answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = new.target.name;
    this.retryable = isRetryableCode(code);
  }
}

/** Replaces every secret (and its URL-encoded form) with ***; too-short strings are left alone, they would mangle text. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  const variants = secrets
    .filter((s): s is string => typeof s === 'string' && s.length >= 4)
    .flatMap((s) => [s, encodeURIComponent(s)])
    .sort((a, b) => b.length - a.length);
  return variants.reduce((out, s) => out.split(s).join('***'), text);
}
