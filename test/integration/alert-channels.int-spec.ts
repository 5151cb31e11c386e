import { AddressInfo, Server, Socket, createServer } from 'node:net';
import {
  AlertDeliveryError,
  AlertNotification,
  EmailChannel,
  WebhookChannel,
  WebhookPayload,
  nextSteps,
  verifyWebhookSignature,
  withMinimumSeverity,
} from '../../libs/alerting';
import { SmtpSink, startSmtpSink } from '../support/smtp-sink';
import { WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

const TENANT = '11111111-2222-4333-8444-555555555555';
const BACKUP = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const SMTP_USER = 'alerts@tenantvault.test';
const SMTP_PASSWORD = 'p@ss:w/rd-S3cret-9f2';
const WEBHOOK_SECRET = 'whsec-test-7c1e0b9a4d';
/** Chat tools put their token in the webhook path: it must never show in an error. */
const WEBHOOK_PATH = '/hooks/T0KEN-5f8e2a';

function notification(overrides: Partial<AlertNotification> = {}): AlertNotification {
  return {
    alertId: '0f0e0d0c-0b0a-4909-8807-060504030201',
    type: 'BACKUP_FAILURE',
    severity: 'CRITICAL',
    status: 'ACTIVE',
    event: 'raised',
    message: 'pg_dump exited with code 1: connection to source database refused',
    details: { attempt: 3, provider: 'b2', reason: 'ECONNREFUSED' },
    tenantId: TENANT,
    backupId: BACKUP,
    firstSeenAt: new Date('2026-03-01T01:00:00.000Z'),
    lastSeenAt: new Date('2026-03-01T01:20:00.000Z'),
    occurrences: 3,
    ...overrides,
  };
}

function resolved(overrides: Partial<AlertNotification> = {}): AlertNotification {
  return notification({
    event: 'resolved',
    status: 'RESOLVED',
    resolvedAt: new Date('2026-03-01T02:05:00.000Z'),
    resolutionNote: 'Backup completed at 02:05',
    ...overrides,
  });
}

async function deliveryError(promise: Promise<unknown>): Promise<AlertDeliveryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AlertDeliveryError)) throw new Error(`expected an AlertDeliveryError, got ${String(error)}`);
  return error;
}

/** A port nothing listens on: bound by us, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Accepts TCP connections and never says a word: an SMTP server that hangs before its greeting. */
async function startSilentServer(): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

describe('email channel', () => {
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await startSmtpSink({ user: SMTP_USER, password: SMTP_PASSWORD });
  });
  afterAll(async () => {
    await sink.stop();
  });
  beforeEach(() => {
    sink.messages.length = 0;
    sink.accept();
  });

  const channel = (overrides: Partial<ConstructorParameters<typeof EmailChannel>[0]> = {}) =>
    new EmailChannel({ smtpUrl: sink.url(), to: 'ops@example.test, Oncall <oncall@example.test>', ...overrides });

  it('delivers a raised alert to every recipient with a subject naming severity, type and tenant', async () => {
    await channel().send(notification());

    expect(sink.messages).toHaveLength(1);
    const mail = sink.messages[0];
    expect(mail.from).toBe(SMTP_USER);
    expect(mail.to).toEqual(['ops@example.test', 'oncall@example.test']);
    expect(mail.subject).toBe('[TenantVault][CRITICAL] BACKUP_FAILURE tenant 11111111…: pg_dump exited with code 1: connection to source database refused');
    expect(mail.headers['auto-submitted']).toBe('auto-generated');
    expect(mail.headers['x-tenantvault-alert-id']).toBe('0f0e0d0c-0b0a-4909-8807-060504030201');
    expect(mail.headers['message-id']).toBe('<alert-0f0e0d0c-0b0a-4909-8807-060504030201.raised@tenantvault.test>');

    for (const expected of [
      'CRITICAL alert raised: BACKUP_FAILURE.',
      'pg_dump exited with code 1: connection to source database refused',
      `Tenant       ${TENANT}`,
      `Backup       ${BACKUP}`,
      'First seen   2026-03-01T01:00:00.000Z',
      'Last seen    2026-03-01T01:20:00.000Z',
      'Occurrences  3',
      'provider: b2',
      nextSteps('BACKUP_FAILURE'),
      'POST /api/super-admin/alerts/0f0e0d0c-0b0a-4909-8807-060504030201/acknowledge',
    ]) {
      expect(mail.text).toContain(expected);
    }
    expect(mail.html).toContain(`<td>${TENANT}</td>`);
    expect(mail.raw).not.toContain(SMTP_PASSWORD);
  });

  it('delivers the resolution as a reply to the alert, with when and why it cleared', async () => {
    await channel().send(resolved());

    const mail = sink.messages[0];
    expect(mail.subject).toBe('[TenantVault][RESOLVED] BACKUP_FAILURE tenant 11111111…: pg_dump exited with code 1: connection to source database refused');
    expect(mail.headers['in-reply-to']).toBe('<alert-0f0e0d0c-0b0a-4909-8807-060504030201.raised@tenantvault.test>');
    expect(mail.text).toContain('Resolved: BACKUP_FAILURE (was CRITICAL).');
    expect(mail.text).toContain('Resolved at  2026-03-01T02:05:00.000Z');
    expect(mail.text).toContain('Resolution   Backup completed at 02:05');
    expect(mail.text).toContain('Status       RESOLVED');
  });

  it('gives a retryable error when the server answers "try later" (451), and delivers nothing', async () => {
    sink.refuse(451, 'Mailbox busy, try later');
    const error = await deliveryError(channel().send(notification()));
    expect(error).toMatchObject({ code: 'ALERT_DELIVERY.TEMPORARILY_REFUSED', retryable: true, status: 451, channel: 'email' });
    expect(sink.messages).toHaveLength(0);

    sink.accept();
    await channel().send(notification());
    expect(sink.messages).toHaveLength(1);
  });

  it('gives a non-retryable error when the server refuses for good (550)', async () => {
    sink.refuse(550, 'Relaying denied');
    const error = await deliveryError(channel().send(notification()));
    expect(error).toMatchObject({ code: 'ALERT_DELIVERY.REJECTED', retryable: false, status: 550 });
    expect(error.message).toContain('Relaying denied');
  });

  it('gives a non-retryable error for a refused login, without the password in it', async () => {
    const wrong = 'wr0ng-p@ssw0rd-0b1d';
    const error = await deliveryError(channel({ smtpUrl: sink.url({ user: SMTP_USER, password: wrong }) }).send(notification()));
    expect(error).toMatchObject({ code: 'ALERT_DELIVERY.AUTH_FAILED', retryable: false, status: 535 });
    expect(error.message).not.toContain(wrong);
    expect(error.message).not.toContain(encodeURIComponent(wrong));
    expect(JSON.stringify(error)).not.toContain(wrong);
    expect(sink.messages).toHaveLength(0);
  });

  it('fails fast and retryably when nothing listens on the port', async () => {
    const port = await closedPort();
    const started = Date.now();
    const error = await deliveryError(
      channel({ smtpUrl: `smtp://${encodeURIComponent(SMTP_USER)}:${encodeURIComponent(SMTP_PASSWORD)}@127.0.0.1:${port}` }).send(notification()),
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toMatchObject({ code: 'ALERT_DELIVERY.UNREACHABLE', retryable: true });
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).not.toContain(SMTP_PASSWORD);
  });

  it('times out retryably when the server accepts the connection but never greets', async () => {
    const silent = await startSilentServer();
    try {
      const started = Date.now();
      const error = await deliveryError(channel({ smtpUrl: `smtp://127.0.0.1:${silent.port}`, greetingTimeoutMs: 300 }).send(notification()));
      expect(error).toMatchObject({ code: 'ALERT_DELIVERY.TIMEOUT', retryable: true });
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await silent.stop();
    }
  });
});

describe('webhook channel', () => {
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver({ path: WEBHOOK_PATH });
  });
  afterAll(async () => {
    await receiver.stop();
  });
  beforeEach(() => {
    receiver.requests.length = 0;
  });

  const channel = (overrides: Partial<ConstructorParameters<typeof WebhookChannel>[0]> = {}) =>
    new WebhookChannel({ url: receiver.url, secret: WEBHOOK_SECRET, ...overrides });

  it('POSTs the alert as JSON with a timestamp and a signature that verify', async () => {
    const before = Math.floor(Date.now() / 1000);
    await channel().send(notification());

    expect(receiver.requests).toHaveLength(1);
    const request = receiver.requests[0];
    expect(request.method).toBe('POST');
    expect(request.url).toBe(WEBHOOK_PATH);
    expect(request.headers['content-type']).toBe('application/json');
    const timestamp = String(request.headers['x-tenantvault-timestamp']);
    const signature = String(request.headers['x-tenantvault-signature']);
    expect(Number(timestamp)).toBeGreaterThanOrEqual(before);
    expect(Number(timestamp)).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);

    const payload = JSON.parse(request.body.toString('utf8')) as WebhookPayload;
    expect(payload).toEqual({
      version: 1,
      event: 'raised',
      alertId: '0f0e0d0c-0b0a-4909-8807-060504030201',
      type: 'BACKUP_FAILURE',
      severity: 'CRITICAL',
      status: 'ACTIVE',
      text: '[TenantVault][CRITICAL] BACKUP_FAILURE tenant 11111111…: pg_dump exited with code 1: connection to source database refused',
      message: 'pg_dump exited with code 1: connection to source database refused',
      tenantId: TENANT,
      backupId: BACKUP,
      restoreId: null,
      firstSeenAt: '2026-03-01T01:00:00.000Z',
      lastSeenAt: '2026-03-01T01:20:00.000Z',
      occurrences: 3,
      resolvedAt: null,
      resolutionNote: null,
      details: { attempt: 3, provider: 'b2', reason: 'ECONNREFUSED' },
      nextSteps: nextSteps('BACKUP_FAILURE'),
    });

    const check = (changes: { body?: Buffer | string; timestamp?: string; secret?: string; now?: Date } = {}) =>
      verifyWebhookSignature({
        secret: changes.secret ?? WEBHOOK_SECRET,
        timestamp: changes.timestamp ?? timestamp,
        body: changes.body ?? request.body,
        signature,
        now: changes.now,
      });
    expect(check()).toBe(true);
    expect(check({ body: request.body.toString('utf8').replace('"CRITICAL"', '"INFO"') })).toBe(false);
    expect(check({ timestamp: String(Number(timestamp) - 1) })).toBe(false);
    expect(check({ secret: 'another-secret' })).toBe(false);
    // A captured delivery replayed later is refused even though its signature is genuine.
    expect(check({ now: new Date((Number(timestamp) + 301) * 1000) })).toBe(false);
  });

  it('signs a resolution too, and sends the same body on every attempt', async () => {
    receiver.answerWith(503, 503, 200);
    const sender = channel();
    const first = await deliveryError(sender.send(resolved()));
    const second = await deliveryError(sender.send(resolved()));
    await sender.send(resolved());

    for (const error of [first, second]) {
      expect(error).toMatchObject({ code: 'ALERT_DELIVERY.TEMPORARILY_REFUSED', retryable: true, status: 503, channel: 'webhook' });
    }
    expect(receiver.requests).toHaveLength(3);
    const bodies = receiver.requests.map((r) => r.body.toString('utf8'));
    expect(new Set(bodies).size).toBe(1);
    const payload = JSON.parse(bodies[2]) as WebhookPayload;
    expect(payload).toMatchObject({ event: 'resolved', status: 'RESOLVED', resolvedAt: '2026-03-01T02:05:00.000Z', resolutionNote: 'Backup completed at 02:05' });
    for (const r of receiver.requests) {
      expect(
        verifyWebhookSignature({
          secret: WEBHOOK_SECRET,
          timestamp: String(r.headers['x-tenantvault-timestamp']),
          body: r.body,
          signature: String(r.headers['x-tenantvault-signature']),
        }),
      ).toBe(true);
    }
  });

  it('gives a non-retryable error for a 400, quoting the answer but not the secret or the URL path', async () => {
    receiver.answerWith({ status: 400, body: 'invalid signature' });
    const error = await deliveryError(channel().send(notification()));
    expect(error).toMatchObject({ code: 'ALERT_DELIVERY.REJECTED', retryable: false, status: 400 });
    expect(error.message).toContain('invalid signature');
    expect(error.message).toContain(`http://127.0.0.1:${receiver.port}`);
    expect(error.message).not.toContain(WEBHOOK_PATH);
    expect(error.message).not.toContain(WEBHOOK_SECRET);
  });

  it('fails fast and retryably when nothing listens on the port', async () => {
    const port = await closedPort();
    const started = Date.now();
    const error = await deliveryError(channel({ url: `http://127.0.0.1:${port}${WEBHOOK_PATH}` }).send(notification()));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toMatchObject({ code: 'ALERT_DELIVERY.UNREACHABLE', retryable: true });
    expect(error.message).not.toContain(WEBHOOK_PATH);
  });

  it('times out retryably when the receiver never answers', async () => {
    receiver.answerWith('no-answer');
    const started = Date.now();
    const error = await deliveryError(channel({ timeoutMs: 300 }).send(notification()));
    expect(error).toMatchObject({ code: 'ALERT_DELIVERY.TIMEOUT', retryable: true });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(receiver.requests).toHaveLength(1);
  });

  it('sends credentials in the URL as Basic authorization', async () => {
    const url = new URL(receiver.url);
    url.username = 'hook-user';
    url.password = 'hook-pass';
    await channel({ url: url.toString() }).send(notification());
    expect(receiver.requests[0].headers.authorization).toBe(`Basic ${Buffer.from('hook-user:hook-pass').toString('base64')}`);
    expect(receiver.requests[0].url).toBe(WEBHOOK_PATH);
  });
});

describe('minimum severity', () => {
  let receiver: WebhookReceiver;
  let sink: SmtpSink;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await receiver.stop();
    await sink.stop();
  });

  it('drops notifications below the minimum, resolutions included, and delivers the rest', async () => {
    const webhook = withMinimumSeverity(new WebhookChannel({ url: receiver.url, secret: WEBHOOK_SECRET }), 'ERROR');
    const email = withMinimumSeverity(new EmailChannel({ smtpUrl: sink.url(), to: 'ops@example.test' }), 'ERROR');

    const sent = [
      notification({ alertId: 'warning-raised', severity: 'WARNING', type: 'SIZE_DEVIATION' }),
      resolved({ alertId: 'warning-resolved', severity: 'WARNING', type: 'SIZE_DEVIATION' }),
      notification({ alertId: 'error-raised', severity: 'ERROR' }),
      resolved({ alertId: 'critical-resolved', severity: 'CRITICAL' }),
      notification({ alertId: 'info-raised', severity: 'INFO', type: 'STORAGE_CAPACITY' }),
    ];
    for (const n of sent) {
      await webhook.send(n);
      await email.send(n);
    }

    const delivered = receiver.requests.map((r) => (JSON.parse(r.body.toString('utf8')) as WebhookPayload).alertId);
    expect(delivered).toEqual(['error-raised', 'critical-resolved']);
    expect(sink.messages.map((m) => m.headers['x-tenantvault-alert-id'])).toEqual(['error-raised', 'critical-resolved']);
  });
});
