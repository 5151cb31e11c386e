import { AlertDeliveryError, AlertDeliveryErrorCode, redactSecrets } from './alert-delivery.errors';
import { classifyNetworkCodes, errorCodes } from './transport-error-codes';

export interface WebhookErrorContext {
  /** scheme://host:port only: chat tools keep their token in the path, so the path is never shown. */
  origin: string;
  /** Redacted from every message: the signing secret, the URL's path and query, credentials in the URL. */
  secrets: (string | undefined)[];
}

/** What an HTTP answer other than 2xx means for the delivery queue. */
export function classifyWebhookStatus(status: number): AlertDeliveryErrorCode {
  if (status >= 500) return 'ALERT_DELIVERY.TEMPORARILY_REFUSED';
  // Timeout, "too early" and throttling are the receiver asking us to come back later.
  if (status === 408 || status === 425 || status === 429) return 'ALERT_DELIVERY.TEMPORARILY_REFUSED';
  if (status === 401 || status === 403) return 'ALERT_DELIVERY.AUTH_FAILED';
  // Redirects are not followed (the signed alert would go to a host nobody configured): fix the URL.
  if (status >= 300 && status < 400) return 'ALERT_DELIVERY.MISCONFIGURED';
  return 'ALERT_DELIVERY.REJECTED';
}

/** The receiver answered, but not with 2xx. `answer` is the start of its response body, shown to help whoever debugs it. */
export function webhookStatusError(status: number, statusText: string, answer: string, ctx: WebhookErrorContext): AlertDeliveryError {
  const body = answer.replace(/\s+/g, ' ').trim();
  const detail = redactSecrets(`HTTP ${status}${statusText ? ` ${statusText}` : ''}${body ? `: ${body}` : ''}`, ctx.secrets);
  return new AlertDeliveryError(classifyWebhookStatus(status), `webhook: POST to ${ctx.origin} failed: ${detail}`, 'webhook', status);
}

/** The request never got an answer: fetch's rejections (aborted by our timeout, refused, reset, TLS). */
export function translateWebhookError(error: unknown, ctx: WebhookErrorContext): AlertDeliveryError {
  if (error instanceof AlertDeliveryError) return error;
  const err = (error && typeof error === 'object' ? error : { message: String(error) }) as { name?: string; message?: string };
  const network = classifyNetworkCodes(errorCodes(err));
  const timedOut = err.name === 'TimeoutError' || err.name === 'AbortError';
  const cause = (err as { cause?: { message?: string } }).cause?.message;
  // The Fetch standard blocks some ports (25, 587, 6000, …) before connecting; no retry will change that.
  const blockedPort = cause === 'bad port';
  const code: AlertDeliveryErrorCode = timedOut
    ? 'ALERT_DELIVERY.TIMEOUT'
    : blockedPort
      ? 'ALERT_DELIVERY.MISCONFIGURED'
      : (network?.kind ?? 'ALERT_DELIVERY.UNREACHABLE');
  const label = blockedPort ? 'blocked port' : (network?.code ?? err.name ?? 'Error');
  const detail = redactSecrets(`${label}: ${err.message ?? ''}${cause ? ` (${cause})` : ''}`, ctx.secrets).trim();
  return new AlertDeliveryError(code, `webhook: POST to ${ctx.origin} failed: ${detail}`, 'webhook');
}
