import { Queue } from 'bullmq';
import { Client } from 'pg';
import { DEMO_TENANTS } from '../../libs/demo-platform';
import { BackupsService } from '../../src/modules/backups';
import { apiOf } from '../support/api';
import { startTestEnvironment, TestEnvironment } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const TENANTS = 10_000;
const { A, B } = DEMO_TENANTS;

/**
 * Ten thousand active tenants, one process answering the API and running the crons' work, no worker: every job stays
 * in the queue, where it can be counted.
 */
describe('bulk backup requests: 10,000 tenants', () => {
  let env: TestEnvironment;
  let api: ReturnType<typeof apiOf>;
  let queue: Queue;

  const counts = async () => {
    const [row] = await api.catalogQuery<{ records: number; tenants: number; locations: number; locks: number }>(
      `SELECT (SELECT count(*)::int FROM backup_records) AS records, (SELECT count(DISTINCT tenant_id)::int FROM backup_records) AS tenants,
         (SELECT count(*)::int FROM backup_locations) AS locations, (SELECT count(*)::int FROM tenant_locks) AS locks`,
    );
    return { ...row, jobs: await queue.count() };
  };

  beforeAll(async () => {
    env = await startTestEnvironment({ env: { APP_ROLE: 'api' } });
    api = apiOf(env);
    queue = new Queue('backups', { connection: { url: env.config.redisUrl }, prefix: env.config.queuePrefix });
    const platform = new Client({ connectionString: env.platform.url });
    await platform.connect();
    try {
      // A and B are active in the demo platform; C is suspended.
      await platform.query(
        `INSERT INTO tenants (id, slug, name, status, home_currency, created_at)
         SELECT ('d0000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, 'bulk-' || n, 'Bulk ' || n, 'active', 'EUR', '2024-01-01'
         FROM generate_series(1, ${TENANTS - 2}) n`,
      );
    } finally {
      await platform.end();
    }
  });

  afterEach(async () => {
    await api.catalogQuery('DELETE FROM tenant_locks');
    await api.catalogQuery('DELETE FROM backup_records');
    await queue.obliterate({ force: true });
  });

  afterAll(async () => {
    await queue?.close();
    await env?.close();
  });

  it('POST /backups/tenants creates one record, lock and job per active tenant; repeated the same day it creates none: their locks are held', async () => {
    const first = await api.http().post('/api/super-admin/backups/tenants').set(api.admin()).send({}).expect(202);
    expect(first.body.accepted).toHaveLength(TENANTS);
    expect(first.body.skipped).toEqual([]);
    expect(first.body.accepted[0]).toMatchObject({ type: 'TENANT', status: 'PENDING', initiatedBy: 'test-admin', locations: [{ provider: 'local', status: 'PENDING' }] });
    expect(await counts()).toEqual({ records: TENANTS, tenants: TENANTS, locations: TENANTS, locks: TENANTS, jobs: TENANTS });
    // Each job carries the id of its own record.
    const jobs = await queue.getJobs(['waiting'], 0, 4);
    const ids = new Set(first.body.accepted.map((r: { id: string }) => r.id));
    for (const job of jobs) expect(ids.has(job.data.backupId) && job.id === `backup-${job.data.backupId}`).toBe(true);

    const again = await api.http().post('/api/super-admin/backups/tenants').set(api.admin()).send({}).expect(202);
    expect(again.body.accepted).toEqual([]);
    expect(again.body.skipped).toHaveLength(TENANTS);
    expect(again.body.skipped[0].reason).toMatch(/is busy: TENANT [0-9a-f-]{36} is in progress/);
    expect(await counts()).toEqual({ records: TENANTS, tenants: TENANTS, locations: TENANTS, locks: TENANTS, jobs: TENANTS });
  });

  it('the daily run backs each tenant up once a day, however many replicas fire it at once and however often', async () => {
    const backups = env.app.get(BackupsService);
    const day = new Date('2026-12-02T01:00:00Z');
    // Two replicas at the same moment: each tenant goes to one of them.
    const [one, two] = await Promise.all([backups.enqueueScheduled(day), backups.enqueueScheduled(day)]);
    expect(one.accepted.length + two.accepted.length).toBe(TENANTS);
    expect(await counts()).toEqual({ records: TENANTS, tenants: TENANTS, locations: TENANTS, locks: TENANTS, jobs: TENANTS });

    // Later that day, once the backups have ended (their locks freed), the run finds the day's keys used.
    await api.catalogQuery('DELETE FROM tenant_locks');
    const rerun = await backups.enqueueScheduled(day);
    expect(rerun.accepted).toEqual([]);
    expect(rerun.skipped).toHaveLength(TENANTS);
    expect(rerun.skipped[0].reason).toMatch(/^already scheduled as [0-9a-f-]{36}$/);
    expect(await counts()).toMatchObject({ records: TENANTS, tenants: TENANTS, jobs: TENANTS });
    const keys = await api.catalogQuery<{ n: number }>(`SELECT count(DISTINCT idempotency_key)::int AS n FROM backup_records WHERE idempotency_key LIKE 'daily:2026-12-02:%'`);
    expect(keys[0].n).toBe(TENANTS);

    // The next day is another backup.
    expect((await backups.enqueueScheduled(new Date('2026-12-03T01:00:00Z'))).accepted).toHaveLength(TENANTS);
  });

  it('reports listed tenants that do not exist, and backs up the rest', async () => {
    const unknown = 'eeeeeeee-0000-4000-8000-000000000000';
    const res = await api.http().post('/api/super-admin/backups/tenants').set(api.admin()).send({ tenantIds: [A.id, unknown, B.id] }).expect(202);
    expect(res.body.accepted.map((r: { tenantId: string }) => r.tenantId).sort()).toEqual([A.id, B.id].sort());
    expect(res.body.skipped).toEqual([{ tenantId: unknown, reason: `Tenant ${unknown} not found` }]);
    expect(await counts()).toEqual({ records: 2, tenants: 2, locations: 2, locks: 2, jobs: 2 });
  });

  it('leaves no record, lock or job behind when the queue does not take the jobs (503)', async () => {
    const original = Queue.prototype.addBulk;
    let calls = 0;
    // Redis takes the first thousand jobs and then fails.
    const spy = jest.spyOn(Queue.prototype, 'addBulk').mockImplementation(function (this: Queue, jobs) {
      return ++calls === 1 ? original.call(this, jobs) : Promise.reject(new Error('Connection is closed.'));
    });
    try {
      const res = await api.http().post('/api/super-admin/backups/tenants').set(api.admin()).send({}).expect(503);
      expect(res.body.code).toBe('QUEUE.UNAVAILABLE');
    } finally {
      spy.mockRestore();
    }
    await waitFor('the jobs added before the failure to be removed', async () => (await queue.count()) === 0);
    expect(await counts()).toEqual({ records: 0, tenants: 0, locations: 0, locks: 0, jobs: 0 });
  });
});

describe('startup: the indexes tenant backups need', () => {
  let env: TestEnvironment;

  afterAll(async () => {
    await env?.close();
  });

  it('a worker names each index the platform lacks, with the statement that creates it', async () => {
    env = await startTestEnvironment({ captureLogs: true, env: { APP_ROLE: 'worker' } });
    const warning = await waitFor('the scope index warnings', () => env.logs.find((line) => line.includes('"public"."customers" has no index on (tenant_id)')));
    expect(warning).toContain('Create it with: CREATE INDEX CONCURRENTLY ON "public"."customers" ("tenant_id");');
    // The demo platform lacks five; tables whose keys an index covers are not named.
    expect(env.logs.filter((line) => line.startsWith('warn') && line.includes('which tenant backups need'))).toHaveLength(5);
    expect(env.logs.some((line) => line.includes('"public"."invoice_items" has no index'))).toBe(false);
  });
});
