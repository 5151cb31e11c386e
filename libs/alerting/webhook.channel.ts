import { AlertChannel } from './alert-channel.port';
import { AlertDeliveryError } from './alert-delivery.errors';
import { AlertNotification } from './alert-notification';
import { buildWebhookPayload } from './webhook-payload';
import { WebhookErrorContext, translateWebhookError, webhookStatusError } from './webhook-error-translation';
import { WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER, signWebhookBody } from './webhook-signature';

export interface WebhookChannelOptions {
  /** ALERT_WEBHOOK_URL: http:// or https://. user:password in it is sent as Basic authorization. */
  url: string;
  /** ALERT_WEBHOOK_SECRET: the HMAC key both sides share. */
  secret: string;
  /** The whole request, connect to last byte of the answer, in ms. Default 5000. */
  timeoutMs?: number;
  /** The clock the timestamp header is read from; tests move it. */
  now?: () => Date;
}

/** How much of a refusal's body goes into the error: enough for "invalid signature", not a whole HTML error page. */
const ANSWER_SNIPPET_BYTES = 300;

function misconfigured(message: string): AlertDeliveryError {
  return new AlertDeliveryError('ALERT_DELIVERY.MISCONFIGURED', `webhook: ${message}`, 'webhook');
}

/** POSTs each notification as signed JSON (docs/ALERT-CHANNELS.md); any 2xx answer means delivered. */
export class WebhookChannel implements AlertChannel {
  readonly name = 'webhook' as const;
  private readonly target: URL;
  private readonly authorization?: string;
  private readonly secret: string;
  private readonly timeoutMs: number;
  private readonly now: () => Date;
  private readonly errorContext: WebhookErrorContext;

  constructor(options: WebhookChannelOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw misconfigured('ALERT_WEBHOOK_URL is not a valid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw misconfigured('ALERT_WEBHOOK_URL must start with http:// or https://');
    }
    if (!options.secret) throw misconfigured('ALERT_WEBHOOK_SECRET is required to sign deliveries');
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    // fetch refuses URLs with credentials; receivers behind Basic auth still get them, as a header.
    if (user || password) this.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    url.username = '';
    url.password = '';
    this.target = url;
    this.secret = options.secret;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.now = options.now ?? (() => new Date());
    this.errorContext = {
      origin: url.origin,
      secrets: [options.secret, user, password, url.pathname.length > 1 ? url.pathname : undefined, url.search || undefined],
    };
  }

  async send(notification: AlertNotification): Promise<void> {
    const body = Buffer.from(JSON.stringify(buildWebhookPayload(notification)), 'utf8');
    const timestamp = String(Math.floor(this.now().getTime() / 1000));
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': 'TenantVault-Alerts/1',
      [WEBHOOK_TIMESTAMP_HEADER]: timestamp,
      [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(this.secret, timestamp, body),
    };
    if (this.authorization) headers.Authorization = this.authorization;

    // One signal for the whole exchange, so a receiver that accepts the connection and never answers fails as fast as a dead one.
    const signal = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    let answer = '';
    try {
      response = await fetch(this.target, { method: 'POST', headers, body, redirect: 'manual', signal });
      if (response.ok) {
        await response.body?.cancel(); // frees the connection; what a receiver says on success is not ours to read
        return;
      }
      answer = await readStart(response, ANSWER_SNIPPET_BYTES).catch(() => '');
    } catch (error) {
      throw translateWebhookError(error, this.errorContext);
    }
    throw webhookStatusError(response.status, response.statusText, answer, this.errorContext);
  }
}

async function readStart(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}
