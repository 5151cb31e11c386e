import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { DEMO_TENANTS } from '../../libs/demo-platform';
import { apiOf } from '../support/api';
import { freePort } from '../support/service-process';
import { tableContentHashes } from '../support/table-hashes';
import { startTestEnvironment, TestEnvironment } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const A = DEMO_TENANTS.A.id;
const B = DEMO_TENANTS.B.id;

/** A redis-server of the test's own, on a port of its own, that the test can stop and start again. */
async function ownRedis() {
  const port = await freePort();
  let server: ChildProcess | undefined;
  const start = async () => {
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await waitFor('redis-server to accept connections', () => new Promise<boolean>((resolve) => {
      const probe = require('node:net').connect(port, '127.0.0.1');
      probe.once('connect', () => (probe.end(), resolve(true)));
      probe.once('error', () => resolve(false));
    }));
  };
  const stop = async () => {
    const running = server;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, start, stop };
}

/** Off the happy path: a dependency down answers 503 at once and leaves nothing behind; cancels stop work cleanly. */
describe('fail fast, never wedge', () => {
  let redis: Awaited<ReturnType<typeof ownRedis>>;
  let env: TestEnvironment;
  let api: ReturnType<typeof apiOf>;
  let platform: Client;

  const activity = async (application: string) =>
    (await platform.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1', [application])).rows[0].n > 0;

  beforeAll(async () => {
    redis = await ownRedis();
    env = await startTestEnvironment({ env: { REDIS_URL: redis.url, JOB_ATTEMPTS: '1', JOB_STALL_LIMIT_SECONDS: '3' } });
    api = apiOf(env);
    platform = new Client({ connectionString: env.platform.url });
    await platform.connect();
  });

  afterAll(async () => {
    await platform?.end();
    await env?.close();
    await redis?.stop();
  });

  it('answers 503 within 5 s to backups while Redis is down, leaves no record and no lock, and works again at once when it is back', async () => {
    await redis.stop();
    try {
      for (const path of [`/api/super-admin/backups/tenant/${A}`, '/api/super-admin/backups/disaster']) {
        const started = Date.now();
        const res = await api.http().post(path).set(api.admin());
        expect([res.status, res.body.code]).toEqual([503, 'QUEUE.UNAVAILABLE']);
        expect(Date.now() - started).toBeLessThan(5_000);
      }
      expect(await api.catalogQuery(`SELECT id FROM backup_records`)).toEqual([]);
      expect(await api.catalogQuery(`SELECT * FROM tenant_locks`)).toEqual([]);
    } finally {
      await redis.start();
    }
    await waitFor('the service to be connected to Redis again', async () => (await api.http().get('/health/ready')).status === 200, 30_000, 200);
    expect((await api.backupAndWait(A)).status).toBe('COMPLETED');
    expect((await api.disasterBackupAndWait()).status).toBe('COMPLETED');
  });

  describe('cancel', () => {
    beforeAll(async () => {
      // Big enough that a backup or restore of it runs for seconds.
      await platform.query(
        `INSERT INTO users (tenant_id, email, display_name, bio, created_at)
         SELECT $1, 'bulk' || i || '@acme.example.test', 'Bulk user ' || i, repeat(md5(i::text), 8), '2024-01-01T00:00:00Z' FROM generate_series(1, 300000) i`,
        [A],
      );
    });

    it('of a queued backup ends it FAILED at once, and it never runs', async () => {
      const queue = new Queue('backups', { connection: { url: redis.url }, prefix: env.config.queuePrefix });
      await queue.pause();
      try {
        const { body: created } = await api.http().post(`/api/super-admin/backups/tenant/${B}`).set(api.admin()).expect(202);
        const { body: cancelled } = await api.http().post(`/api/super-admin/backups/${created.id}/cancel`).set(api.admin()).expect(202);
        expect(cancelled).toMatchObject({ status: 'FAILED', errorMessage: 'cancelled by test-admin' });
        expect(await queue.getJob(`backup-${created.id}`)).toBeUndefined();
        await api.http().post(`/api/super-admin/backups/${created.id}/cancel`).set(api.admin()).expect(409);
      } finally {
        await queue.resume();
        await queue.close();
      }
      expect(await api.catalogQuery('SELECT * FROM tenant_locks')).toEqual([]);
    });

    it('of a running backup stops its upload and keeps nothing of it', async () => {
      // The last table of the export is locked meanwhile: the backup streams the others, then waits there, running.
      const blocker = new Client({ connectionString: env.platform.url });
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE item_adjustments IN ACCESS EXCLUSIVE MODE');
      let ended;
      try {
        const { body: created } = await api.http().post(`/api/super-admin/backups/tenant/${A}`).set(api.admin()).expect(202);
        await waitFor('the upload to be under way', async () => (await readdir(join(env.localPath, '.partial')).catch(() => [])).length > 0, 60_000, 10);
        const { body: asked } = await api.http().post(`/api/super-admin/backups/${created.id}/cancel`).set(api.admin()).expect(202);
        expect(asked).toMatchObject({ status: 'IN_PROGRESS', cancelRequestedBy: 'test-admin' });
        ended = await api.waitForBackup(created.id);
      } finally {
        await blocker.query('ROLLBACK');
        await blocker.end();
      }
      expect(ended).toMatchObject({ status: 'FAILED', errorMessage: 'cancelled by test-admin' });
      expect(existsSync(join(env.localPath, ended.locations[0].key))).toBe(false);
      expect(await readdir(join(env.localPath, '.partial'))).toEqual([]);
      expect(await api.catalogQuery('SELECT * FROM tenant_locks')).toEqual([]);
    });

    it('of a running restore rolls the tenant back: it is exactly as before', async () => {
      const backup = await api.backupAndWait(A);
      await platform.query(`UPDATE users SET display_name = 'changed after the backup' WHERE tenant_id = $1 AND id % 1000 = 0`, [A]);
      const before = await tableContentHashes(platform, { tenantId: A });
      const { body: restore } = await api.http().post('/api/super-admin/restore/tenant').set(api.admin()).send({ tenantId: A, backupId: backup.id }).expect(202);
      await waitFor('the import transaction to be running', () => activity('tenantvault-import'), 120_000, 10);
      await api.http().post(`/api/super-admin/restore/${restore.id}/cancel`).set(api.admin()).expect(202);
      const ended = await waitFor('the restore to end', async () => {
        const { body } = await api.http().get(`/api/super-admin/restore/${restore.id}`).set(api.admin()).expect(200);
        return ['COMPLETED', 'FAILED', 'PARTIAL'].includes(body.status) ? body : undefined;
      });
      expect(ended).toMatchObject({ status: 'FAILED', errorMessage: expect.stringMatching(/^cancelled by test-admin: the import was rolled back, the tenant is unchanged/) });
      expect(await tableContentHashes(platform, { tenantId: A })).toEqual(before);
      expect(await api.catalogQuery('SELECT * FROM tenant_locks')).toEqual([]);
      const audit = await api.catalogQuery<{ action: string; outcome: string }>(`SELECT action, outcome FROM audit_records WHERE action IN ('backup.cancel', 'restore.cancel') ORDER BY at`);
      expect(audit).toEqual([
        { action: 'backup.cancel', outcome: 'SUCCESS' },
        { action: 'backup.cancel', outcome: 'REFUSED' },
        { action: 'backup.cancel', outcome: 'SUCCESS' },
        { action: 'restore.cancel', outcome: 'SUCCESS' },
      ]);
    });
  });
});
