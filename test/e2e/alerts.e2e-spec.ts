import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { verifyWebhookSignature } from '../../libs/alerting';
import { DEMO_TENANTS } from '../../libs/demo-platform';
import { AlertsMonitor } from '../../src/modules/alerts';
import { SmtpSink, startSmtpSink } from '../support/smtp-sink';
import { startTestEnvironment, TestEnvironment } from '../support/test-app';
import { waitFor } from '../support/wait-for';
import { startWebhookReceiver, WebhookReceiver } from '../support/webhook-receiver';

const A = DEMO_TENANTS.A.id;
const B = DEMO_TENANTS.B.id;
const WEBHOOK_SECRET = 'whsec_alerts-e2e-secret';
const HOUR_MS = 3_600_000;

interface Alert {
  id: string;
  type: string;
  severity: string;
  status: string;
  message: string;
  details: Record<string, unknown>;
  tenantId?: string;
  backupId?: string;
  occurrences: number;
  firstSeenAt: string;
  channelsDelivered: { channel: string; event: string }[];
  acknowledgedBy?: string;
  resolvedBy?: string;
  resolvedAt?: string;
  resolutionNote?: string;
}

interface Backup {
  id: string;
  status: string;
  errorMessage?: string;
  locations: { provider: string; key: string; status: string }[];
}

/** The calls both environments of this file make. */
function clientOf(env: () => TestEnvironment) {
  const http = () => request(env().app.getHttpServer());
  const admin = () => ({ Authorization: `Bearer ${env().superAdminToken}` });
  return {
    http,
    admin,
    async backupAndWait(tenantId: string): Promise<Backup> {
      const created = await http().post(`/api/super-admin/backups/tenant/${tenantId}`).set(admin()).expect(202);
      return waitFor(`backup ${created.body.id} to finish`, async () => {
        const { body } = await http().get(`/api/super-admin/backups/${created.body.id}`).set(admin()).expect(200);
        return ['COMPLETED', 'FAILED'].includes(body.status) ? (body as Backup) : undefined;
      });
    },
    async alerts(query: Record<string, string>): Promise<Alert[]> {
      const { body } = await http().get('/api/super-admin/alerts').query({ limit: '200', ...query }).set(admin()).expect(200);
      return body.items;
    },
    async alert(id: string): Promise<Alert> {
      const { body } = await http().get('/api/super-admin/alerts').query({ limit: '200' }).set(admin()).expect(200);
      return (body.items as Alert[]).find((a) => a.id === id)!;
    },
  };
}

describe('alerts over real channels: an SMTP sink and a webhook receiver on loopback', () => {
  let env: TestEnvironment;
  let sink: SmtpSink;
  let receiver: WebhookReceiver;
  let scratch: string;
  /** LOCAL_STORAGE_PATH, the only provider: a regular file makes every backup fail for good (JOB_ATTEMPTS=1). */
  let storagePath: string;
  const api = clientOf(() => env);

  const mailsFor = (alertId: string) => sink.messages.filter((m) => m.headers['x-tenantvault-alert-id'] === alertId);
  const hooksFor = (alertId: string) => receiver.requests.filter((r) => JSON.parse(r.body.toString('utf8')).alertId === alertId);
  const signatureOk = (r: WebhookReceiver['requests'][number]) =>
    verifyWebhookSignature({ secret: WEBHOOK_SECRET, timestamp: r.headers['x-tenantvault-timestamp'] as string, body: r.body, signature: r.headers['x-tenantvault-signature'] as string });

  async function breakStorage(): Promise<void> {
    await rm(storagePath, { recursive: true, force: true });
    await writeFile(storagePath, 'a file where the storage directory should be');
  }

  async function repairStorage(): Promise<void> {
    await rm(storagePath, { force: true });
    await mkdir(storagePath);
  }

  /** No notification waits, runs or waits for a retry: whatever was going to be sent has been. */
  async function deliveriesSettled(): Promise<void> {
    await waitFor('the alert delivery queue to be idle', async () => {
      const { body } = await api.http().get('/api/super-admin/monitoring').set(api.admin()).expect(200);
      const queue = body.queues.find((q: { queue: string }) => q.queue === 'alert-delivery');
      return queue.available && queue.waiting === 0 && queue.active === 0 && queue.delayed === 0;
    });
  }

  async function platformQuery(sql: string, params: unknown[] = []): Promise<void> {
    const client = new Client({ connectionString: env.platform.url });
    await client.connect();
    try {
      await client.query(sql, params);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    sink = await startSmtpSink();
    receiver = await startWebhookReceiver();
    scratch = await mkdtemp(join(tmpdir(), 'tv-alerts-'));
    storagePath = join(scratch, 'storage');
    await breakStorage();
    env = await startTestEnvironment({
      env: {
        LOCAL_STORAGE_PATH: storagePath,
        JOB_ATTEMPTS: '1',
        SMTP_URL: sink.url(),
        ALERT_EMAIL_TO: 'On Call <oncall@example.com>',
        ALERT_WEBHOOK_URL: receiver.url,
        ALERT_WEBHOOK_SECRET: WEBHOOK_SECRET,
        ALERT_DELIVERY_BACKOFF_MS: '1000',
        ALERT_SIZE_MIN_HISTORY: '3',
        STORAGE_QUOTA_LOCAL_GB: '0.001',
        // The monitoring job runs when the tests say so, with the clock they choose.
        MONITORING_CRON: '0 0 1 1 *',
      },
    });
  });

  afterAll(async () => {
    await env?.close();
    await sink?.stop();
    await receiver?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  describe('a tenant backup that fails for good', () => {
    let failure: Alert;
    let failedBackup: Backup;

    it('raises one BACKUP_FAILURE alert, mailed once naming the tenant and the reason, and posted once with a signature that verifies', async () => {
      failedBackup = await api.backupAndWait(A);
      expect(failedBackup.status).toBe('FAILED');

      failure = await waitFor('the alert to be delivered to both channels', async () => {
        const [alert] = await api.alerts({ type: 'BACKUP_FAILURE', tenantId: A });
        return alert && alert.channelsDelivered.length === 2 ? alert : undefined;
      });
      expect(await api.alerts({ type: 'BACKUP_FAILURE', tenantId: A })).toHaveLength(1);
      expect(failure).toMatchObject({ status: 'ACTIVE', severity: 'ERROR', tenantId: A, backupId: failedBackup.id, occurrences: 1 });
      expect(failure.channelsDelivered.map((d) => `${d.channel}:${d.event}`).sort()).toEqual(['email:raised', 'webhook:raised']);

      const mails = mailsFor(failure.id);
      expect(mails).toHaveLength(1);
      expect(mails[0].to).toEqual(['oncall@example.com']);
      expect(mails[0].subject.startsWith(`[TenantVault][ERROR] BACKUP_FAILURE tenant ${A.slice(0, 8)}…: Backup of tenant`)).toBe(true);
      expect(mails[0].text).toContain(`Tenant       ${A}`);
      expect(mails[0].text).toContain(`Backup       ${failedBackup.id}`);
      expect(mails[0].text).toContain(failedBackup.errorMessage!);
      expect(mails[0].text).toMatch(/ENOTDIR|not a directory/);
      expect(mails[0].text).toContain('What to do next');

      const hooks = hooksFor(failure.id);
      expect(hooks).toHaveLength(1);
      expect(signatureOk(hooks[0])).toBe(true);
      expect(verifyWebhookSignature({ secret: 'another-secret', timestamp: hooks[0].headers['x-tenantvault-timestamp'] as string, body: hooks[0].body, signature: hooks[0].headers['x-tenantvault-signature'] as string })).toBe(false);
      expect(JSON.parse(hooks[0].body.toString('utf8'))).toMatchObject({ event: 'raised', alertId: failure.id, type: 'BACKUP_FAILURE', severity: 'ERROR', status: 'ACTIVE', tenantId: A, backupId: failedBackup.id });
    });

    it('counts a second failure on the open alert and sends nothing new', async () => {
      const second = await api.backupAndWait(A);
      expect(second.status).toBe('FAILED');
      const recounted = await waitFor('the second occurrence', async () => {
        const alert = await api.alert(failure.id);
        return alert.occurrences === 2 ? alert : undefined;
      });
      expect(recounted).toMatchObject({ status: 'ACTIVE', backupId: second.id });
      expect(await api.alerts({ type: 'BACKUP_FAILURE', tenantId: A })).toHaveLength(1);
      await deliveriesSettled();
      expect(mailsFor(failure.id)).toHaveLength(1);
      expect(hooksFor(failure.id)).toHaveLength(1);
    });

    it('resolves when the next backup of the tenant succeeds, and notifies the resolution on both channels', async () => {
      await repairStorage();
      const ok = await api.backupAndWait(A);
      expect(ok).toMatchObject({ status: 'COMPLETED' });
      const resolved = await waitFor('the resolution to be delivered', async () => {
        const alert = await api.alert(failure.id);
        return alert.status === 'RESOLVED' && alert.channelsDelivered.length === 4 ? alert : undefined;
      });
      expect(resolved).toMatchObject({ resolvedBy: 'system', resolutionNote: `backup ${ok.id} completed` });
      const mails = mailsFor(failure.id);
      expect(mails).toHaveLength(2);
      expect(mails[1].subject).toMatch(/^\[TenantVault\]\[RESOLVED\] BACKUP_FAILURE tenant /);
      expect(mails[1].headers['x-tenantvault-event']).toBe('resolved');
      expect(mails[1].headers['in-reply-to']).toBe(mails[0].headers['message-id']);
      const hooks = hooksFor(failure.id);
      expect(hooks).toHaveLength(2);
      expect(signatureOk(hooks[1])).toBe(true);
      expect(JSON.parse(hooks[1].body.toString('utf8'))).toMatchObject({ event: 'resolved', status: 'RESOLVED', resolutionNote: `backup ${ok.id} completed` });
    });
  });

  it('delivers to a webhook that refuses the first two attempts on the third, while the e-mail went out at once', async () => {
    await deliveriesSettled();
    receiver.answerWith(503, { status: 503, body: 'maintenance' });
    await breakStorage();
    try {
      expect((await api.backupAndWait(B)).status).toBe('FAILED');
    } finally {
      await repairStorage();
    }
    const [alert] = await waitFor('the BACKUP_FAILURE alert of tenant B', () => api.alerts({ type: 'BACKUP_FAILURE', tenantId: B }).then((a) => (a.length ? a : undefined)));
    // Both observed by polling the same way, so the comparison is fair.
    const [mailedAt, hookedAt] = await Promise.all([
      waitFor('the e-mail', () => mailsFor(alert.id).length > 0 && Date.now(), 30_000, 20),
      waitFor('the third webhook attempt', () => hooksFor(alert.id).length >= 3 && Date.now(), 30_000, 20),
    ]);
    expect(mailedAt).toBeLessThan(hookedAt);
    const hooks = hooksFor(alert.id);
    expect(hooks.map((h) => (typeof h.answer === 'number' ? h.answer : h.answer === 'no-answer' ? 0 : h.answer.status))).toEqual([503, 503, 200]);
    // Every attempt is signed afresh, over the same body byte for byte.
    expect(hooks.every(signatureOk)).toBe(true);
    expect(hooks[2].body.equals(hooks[0].body)).toBe(true);
    await waitFor('the webhook delivery to be recorded', async () => (await api.alert(alert.id)).channelsDelivered.some((d) => d.channel === 'webhook'));
    expect(mailsFor(alert.id)).toHaveLength(1);
  });

  describe('SIZE_DEVIATION against the tenant’s recent median (ALERT_SIZE_MIN_HISTORY=3, factor 3)', () => {
    /** Rows of incompressible text, so the stored size follows the row count. */
    const addFiller = (rows: number) =>
      platformQuery(
        `insert into alert_size_filler (tenant_id, payload)
         select $1, (select string_agg(md5(random()::text || g || s), '') from generate_series(1, 32) s) from generate_series(1, $2) g`,
        [A, rows],
      );
    const sizeAlerts = () => api.alerts({ type: 'SIZE_DEVIATION', tenantId: A });

    beforeAll(async () => {
      await platformQuery(`create table alert_size_filler (id serial primary key, tenant_id uuid not null, payload text not null)`);
      await addFiller(1000);
    });

    it('does not fire for ±20 % around the median', async () => {
      for (let i = 0; i < 3; i++) expect((await api.backupAndWait(A)).status).toBe('COMPLETED');
      await platformQuery(`delete from alert_size_filler where id in (select id from alert_size_filler order by id limit 200)`);
      expect((await api.backupAndWait(A)).status).toBe('COMPLETED');
      await addFiller(400);
      expect((await api.backupAndWait(A)).status).toBe('COMPLETED');
      expect(await sizeAlerts()).toEqual([]);
    });

    it('fires at 10× the median, and resolves once a backup is back in line', async () => {
      await addFiller(10_000 - 1200);
      const big = await api.backupAndWait(A);
      const [alert] = await waitFor('SIZE_DEVIATION', () => sizeAlerts().then((a) => (a.length ? a : undefined)));
      expect(alert).toMatchObject({ status: 'ACTIVE', severity: 'WARNING', backupId: big.id });
      expect(alert.details.ratio as number).toBeGreaterThan(8);
      expect(alert.message).toContain('× the recent median');

      await platformQuery(`delete from alert_size_filler where id > (select min(id) + 999 from alert_size_filler)`);
      const back = await api.backupAndWait(A);
      const resolved = await waitFor('the size alert to resolve', async () => {
        const a = await api.alert(alert.id);
        return a.status === 'RESOLVED' ? a : undefined;
      });
      expect(resolved.resolutionNote).toContain(back.id);
    });
  });

  describe('the hourly monitoring job, with the clock moved instead of waited for', () => {
    let monitor: AlertsMonitor;
    beforeAll(() => {
      monitor = env.app.get(AlertsMonitor);
    });

    it('raises NO_RECENT_BACKUP for an active tenant without a completed backup in 24 h, and clears it once it has one', async () => {
      await monitor.run(new Date());
      const [neverB] = await api.alerts({ type: 'NO_RECENT_BACKUP', tenantId: B, status: 'ACTIVE' });
      expect(neverB.message).toBe(`Tenant ${B} has never been backed up successfully`);
      expect(await api.alerts({ type: 'NO_RECENT_BACKUP', tenantId: A })).toEqual([]);

      const later = new Date(Date.now() + 25 * HOUR_MS);
      await monitor.run(later);
      const [staleA] = await api.alerts({ type: 'NO_RECENT_BACKUP', tenantId: A, status: 'ACTIVE' });
      expect(staleA.firstSeenAt).toBe(later.toISOString());
      expect(staleA.message).toMatch(/no completed backup since .* \(more than 24 h\)/);
      expect((await api.alert(neverB.id)).occurrences).toBe(2);

      await monitor.run(new Date());
      expect(await api.alert(staleA.id)).toMatchObject({ status: 'RESOLVED', resolvedBy: 'system' });
      expect((await api.alert(neverB.id)).status).toBe('ACTIVE');
    });

    it('raises LOW_SUCCESS_RATE and STORAGE_CAPACITY from the catalog', async () => {
      await monitor.run(new Date());
      const catalog = new Client({ connectionString: env.catalog.url });
      await catalog.connect();
      const { rows } = await catalog.query<{ completed: number; failed: number }>(`select count(*) filter (where status = 'COMPLETED')::int as completed, count(*) filter (where status = 'FAILED')::int as failed from backup_records`).finally(() => catalog.end());
      expect(rows[0].failed).toBe(3); // A twice, B once
      const [rate] = await api.alerts({ type: 'LOW_SUCCESS_RATE', status: 'ACTIVE' });
      expect(rate.details).toMatchObject(rows[0]);
      const [capacity] = await api.alerts({ type: 'STORAGE_CAPACITY', status: 'ACTIVE' });
      expect(capacity.details).toMatchObject({ provider: 'local', quotaBytes: Math.round(0.001 * 1024 ** 3) });
      expect(capacity.details.bytes as number).toBeGreaterThan(capacity.details.quotaBytes as number);
    });
  });

  describe('acknowledge and resolve', () => {
    let alert: Alert;
    beforeAll(async () => {
      [alert] = await api.alerts({ type: 'NO_RECENT_BACKUP', tenantId: B, status: 'ACTIVE' });
    });

    it('acknowledges, then resolves with a note that the channels hear of; both are audited', async () => {
      const acked = await api.http().post(`/api/super-admin/alerts/${alert.id}/acknowledge`).set(api.admin()).expect(200);
      expect(acked.body).toMatchObject({ id: alert.id, status: 'ACKNOWLEDGED', acknowledgedBy: 'test-admin' });
      expect((await api.alerts({ status: 'ACKNOWLEDGED' })).map((a) => a.id)).toContain(alert.id);

      const note = 'Tenant B is being migrated; backups resume tomorrow';
      const resolved = await api.http().post(`/api/super-admin/alerts/${alert.id}/resolve`).set(api.admin()).send({ note }).expect(200);
      expect(resolved.body).toMatchObject({ status: 'RESOLVED', resolvedBy: 'test-admin', resolutionNote: note });
      await api.http().post(`/api/super-admin/alerts/${alert.id}/acknowledge`).set(api.admin()).expect(409);

      const mail = await waitFor('the resolution e-mail', () => mailsFor(alert.id).find((m) => m.headers['x-tenantvault-event'] === 'resolved'));
      expect(mail.text).toContain(note);

      for (const action of ['alert.acknowledge', 'alert.resolve']) {
        const { body } = await api.http().get('/api/super-admin/audit').query({ action }).set(api.admin()).expect(200);
        expect(body.items.find((r: { targetId: string; outcome: string }) => r.targetId === alert.id && r.outcome === 'SUCCESS')).toMatchObject({ actor: 'test-admin', actorRole: 'super_admin' });
      }
    });

    it('answers 404 for an unknown id, 400 naming the field for bad input, 403 to a tenant user', async () => {
      const unknown = '0f9c3c0e-5b6e-4c1e-9d7a-2b1f0c9e8d7a';
      const missing = await api.http().post(`/api/super-admin/alerts/${unknown}/acknowledge`).set(api.admin()).expect(404);
      expect(missing.body).toMatchObject({ statusCode: 404, code: 'ALERT.NOT_FOUND' });
      await api.http().post(`/api/super-admin/alerts/${unknown}/resolve`).set(api.admin()).send({}).expect(404);
      expect((await api.http().post('/api/super-admin/alerts/not-a-uuid/resolve').set(api.admin()).expect(400)).body.message).toContain('id');
      expect((await api.http().post(`/api/super-admin/alerts/${alert.id}/resolve`).set(api.admin()).send({ note: 7 }).expect(400)).body.message).toContain('note');
      expect((await api.http().get('/api/super-admin/alerts?severity=LOUD').set(api.admin()).expect(400)).body.message).toContain('severity');
      expect((await api.http().get('/api/super-admin/alerts?limit=100000').set(api.admin()).expect(400)).body.message).toContain('limit');

      const tenantUser = { Authorization: `Bearer ${env.tenantToken(A)}` };
      await api.http().get('/api/super-admin/alerts').set(tenantUser).expect(403);
      await api.http().post(`/api/super-admin/alerts/${alert.id}/acknowledge`).set(tenantUser).expect(403);
      await api.http().post(`/api/super-admin/alerts/${alert.id}/resolve`).set(tenantUser).expect(403);
      await api.http().get('/api/super-admin/alerts').expect(401);
    });

    it('filters by status, type, severity and tenant, and pages', async () => {
      const all = await api.alerts({});
      const page = await api.http().get('/api/super-admin/alerts').query({ limit: '1', offset: '1' }).set(api.admin()).expect(200);
      expect(page.body).toMatchObject({ total: all.length, limit: 1, offset: 1 });
      expect(page.body.items[0].id).toBe(all[1].id);
      const errors = await api.alerts({ severity: 'ERROR', tenantId: B });
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every((a) => a.severity === 'ERROR' && a.tenantId === B)).toBe(true);
      expect((await api.alerts({ status: 'RESOLVED', type: 'NO_RECENT_BACKUP' })).map((a) => a.id)).toContain(alert.id);
    });
  });
});

describe('alerts from verification and replication (local directory and an S3 server)', () => {
  let env: TestEnvironment;
  const api = clientOf(() => env);

  beforeAll(async () => {
    env = await startTestEnvironment({ s3: true, env: { MONITORING_CRON: '0 0 1 1 *' } });
  });

  afterAll(async () => {
    await env?.close();
  });

  it('raises INTEGRITY_FAILURE when a copy corrupted at one provider is verified', async () => {
    const backup = await api.backupAndWait(A);
    expect(backup.status).toBe('COMPLETED');
    const file = join(env.localPath, backup.locations.find((l) => l.provider === 'local')!.key);
    const bytes = await readFile(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    await writeFile(file, bytes);

    await api.http().post(`/api/super-admin/backups/${backup.id}/verify`).set(api.admin()).expect((r) => expect([200, 202]).toContain(r.status));
    const [alert] = await waitFor('INTEGRITY_FAILURE', () => api.alerts({ type: 'INTEGRITY_FAILURE' }).then((a) => (a.length ? a : undefined)));
    expect(alert).toMatchObject({ status: 'ACTIVE', severity: 'CRITICAL', backupId: backup.id, tenantId: A, details: { provider: 'local' } });
  });

  it('raises REDUNDANCY_DEGRADED for a backup completed while the S3 server is down, and resolves it after replication', async () => {
    await env.s3!.stop();
    let backup: Backup;
    try {
      backup = await api.backupAndWait(B);
    } finally {
      await env.s3!.start();
    }
    expect(backup.status).toBe('COMPLETED');
    expect(backup.locations.find((l) => l.provider === 'b2')!.status).toBe('FAILED');
    const [degraded] = await waitFor('REDUNDANCY_DEGRADED', () => api.alerts({ type: 'REDUNDANCY_DEGRADED' }).then((a) => (a.length ? a : undefined)));
    expect(degraded).toMatchObject({ status: 'ACTIVE', severity: 'WARNING', backupId: backup.id, tenantId: B, details: { provider: 'b2' } });

    const resolved = await waitFor('replication to resolve the alert', async () => {
      const alert = await api.alert(degraded.id);
      return alert.status === 'RESOLVED' ? alert : undefined;
    });
    expect(resolved.resolutionNote).toContain(`backup ${backup.id} replicated to b2`);
    const { body } = await api.http().get(`/api/super-admin/backups/${backup.id}`).set(api.admin()).expect(200);
    expect(body.locations.every((l: { status: string }) => l.status === 'STORED')).toBe(true);
  });
});
