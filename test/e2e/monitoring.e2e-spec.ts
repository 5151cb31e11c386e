import { ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { parse as parseYaml } from 'yaml';
import { DEMO_TENANTS } from '../../libs/demo-platform';
import { createBackgroundApp } from '../../src/app.factory';
import { parsePrometheusText, PromFamily, sampleValue } from '../support/prometheus-text';
import { startTestEnvironment, TestEnvironment } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const A = DEMO_TENANTS.A.id;
const B = DEMO_TENANTS.B.id;
const ROOT = join(__dirname, '..', '..');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A Redis of this test's own, so that stopping it stops nobody else's. */
function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) resolve(child);
    });
  });
}

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

function stopRedis(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (!running(child)) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Every metric name an expression mentions (PromQL functions and label names are not followed by `{` or a metric prefix). */
function metricNames(expression: string): string[] {
  return [...expression.matchAll(/\b((?:tenantvault|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1]);
}

/** Whether the exposition declares the series `name`: a family, or a histogram's _bucket/_sum/_count (present before its first observation). */
function exported(families: Map<string, PromFamily>, name: string): boolean {
  const histogram = /^(.*)_(bucket|sum|count)$/.exec(name);
  return families.has(name) || (histogram !== null && families.get(histogram[1])?.type === 'histogram');
}

describe('monitoring, metrics and health (real PostgreSQL, a Redis of its own)', () => {
  let env: TestEnvironment;
  let redis: ChildProcess;
  let redisPort: number;
  const http = () => request(env.app.getHttpServer());
  const admin = () => ({ Authorization: `Bearer ${env.superAdminToken}` });

  async function metrics(): Promise<Map<string, PromFamily>> {
    const res = await http().get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    return parsePrometheusText(res.text);
  }

  async function waitForBackup(id: string, path = `/api/super-admin/backups/${id}`): Promise<{ id: string; status: string }> {
    return waitFor(`backup ${id}`, async () => {
      const { body } = await http().get(path).set(admin()).expect(200);
      return ['COMPLETED', 'FAILED'].includes(body.status) ? body : undefined;
    });
  }

  async function backupAndWait(tenantId: string): Promise<{ id: string; status: string }> {
    const created = await http().post(`/api/super-admin/backups/tenant/${tenantId}`).set(admin()).expect(202);
    return waitForBackup(created.body.id);
  }

  beforeAll(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    env = await startTestEnvironment({ env: { REDIS_URL: `redis://127.0.0.1:${redisPort}`, MONITORING_CRON: '0 0 1 1 *' } });
  });

  /** Redis is back for the app once every queue answers again (its clients reconnect with backoff). */
  async function queuesBack(): Promise<void> {
    await waitFor('every queue to answer again', async () => {
      const { body } = await http().get('/api/super-admin/monitoring').set(admin()).expect(200);
      return body.queues.every((q: { available: boolean }) => q.available);
    });
  }

  afterAll(async () => {
    if (redis && !running(redis)) {
      redis = await startRedis(redisPort); // the app closes its queues, and env.close() cleans its keys
      await queuesBack();
    }
    await env?.close();
    if (redis) await stopRedis(redis);
  });

  describe('GET /metrics', () => {
    let before: Map<string, PromFamily>;
    let backupId: string;

    it('is public Prometheus text with default process metrics and every series of its own declared', async () => {
      before = await metrics();
      for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) expect(exported(before, name)).toBe(true);
      expect(before.get('tenantvault_backups_total')?.type).toBe('counter');
      expect(before.get('tenantvault_backup_duration_seconds')?.type).toBe('histogram');
      expect(sampleValue(before, 'tenantvault_backups_total', { type: 'TENANT', outcome: 'completed' })).toBe(0);
      expect(sampleValue(before, 'tenantvault_tenants_active')).toBe(2);
      expect(sampleValue(before, 'tenantvault_tenants_stale')).toBe(2);
      for (const part of ['catalog', 'tenants', 'alerts', 'queues']) expect(sampleValue(before, 'tenantvault_metrics_part_up', { part })).toBe(1);
      expect(sampleValue(before, 'tenantvault_queue_jobs', { queue: 'backups', state: 'waiting' })).toBe(0);
    });

    it('counts a backup and a restore: the counters move, the histogram observes, the gauges follow the catalog', async () => {
      const backup = await backupAndWait(A);
      expect(backup.status).toBe('COMPLETED');
      backupId = backup.id;
      const afterBackup = await waitFor('the backup counter to move', async () => {
        const m = await metrics();
        return sampleValue(m, 'tenantvault_backups_total', { type: 'TENANT', outcome: 'completed' }) === 1 ? m : undefined;
      });
      expect(sampleValue(afterBackup, 'tenantvault_backup_duration_seconds_count', { type: 'TENANT' })).toBe(1);
      expect(sampleValue(afterBackup, 'tenantvault_backup_records', { type: 'TENANT', status: 'COMPLETED' })).toBe(1);
      expect(sampleValue(afterBackup, 'tenantvault_storage_stored_bytes', { provider: 'local' })).toBeGreaterThan(0);
      expect(sampleValue(afterBackup, 'tenantvault_tenants_stale')).toBe(1);
      // The stalest tenant comes first: B was never backed up (0); A's timestamp is the backup's.
      expect(sampleValue(afterBackup, 'tenantvault_tenant_last_backup_timestamp_seconds', { tenant_id: B })).toBe(0);
      expect(sampleValue(afterBackup, 'tenantvault_tenant_last_backup_timestamp_seconds', { tenant_id: A })).toBeGreaterThan(Date.now() / 1000 - 600);

      const restore = await http().post('/api/super-admin/restore/tenant').set(admin()).send({ tenantId: A, backupId }).expect(202);
      await waitFor('the restore to finish', async () => {
        const { body } = await http().get(`/api/super-admin/restore/${restore.body.id}`).set(admin()).expect(200);
        return ['COMPLETED', 'PARTIAL', 'FAILED'].includes(body.status) ? body : undefined;
      }).then((r) => expect(r.status).toBe('COMPLETED'));
      const afterRestore = await waitFor('the restore counter to move', async () => {
        const m = await metrics();
        return sampleValue(m, 'tenantvault_restores_total', { kind: 'tenant', outcome: 'completed' }) === 1 ? m : undefined;
      });
      // The restore's PRE_RESTORE snapshot is a backup too.
      expect(sampleValue(afterRestore, 'tenantvault_backups_total', { type: 'PRE_RESTORE', outcome: 'completed' })).toBe(1);
      expect(sampleValue(afterRestore, 'tenantvault_restores_total', { kind: 'tenant', outcome: 'failed' })).toBe(0);
    });

    it('exports every metric that docs/monitoring/prometheus-rules.yml and grafana-dashboard.json use', async () => {
      const families = await metrics();
      const rules = parseYaml(await readFile(join(ROOT, 'docs/monitoring/prometheus-rules.yml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
      const ruleNames = rules.groups.flatMap((g) => g.rules.flatMap((r) => metricNames(String(r.expr))));
      const dashboard = JSON.parse(await readFile(join(ROOT, 'docs/monitoring/grafana-dashboard.json'), 'utf8'));
      const expressions: string[] = [];
      JSON.stringify(dashboard, (key, value) => {
        if (key === 'expr' || key === 'query') expressions.push(String(value));
        return value;
      });
      const dashboardNames = expressions.flatMap(metricNames);
      expect(ruleNames.length).toBeGreaterThan(5);
      expect(dashboardNames.length).toBeGreaterThan(5);
      const missing = [...new Set([...ruleNames, ...dashboardNames])].filter((name) => !exported(families, name));
      expect(missing).toEqual([]);
    });

    it('is served on METRICS_PORT by a process without the HTTP API', async () => {
      const port = await freePort();
      const worker = await createBackgroundApp({ ...env.config, role: 'worker', monitoring: { ...env.config.monitoring, metricsPort: port } }, false);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        expect(res.status).toBe(200);
        const families = parsePrometheusText(await res.text());
        expect(sampleValue(families, 'tenantvault_backups_total', { type: 'TENANT', outcome: 'completed' })).toBe(0);
        expect(sampleValue(families, 'tenantvault_backup_records', { type: 'TENANT', status: 'COMPLETED' })).toBe(1);
        expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
      } finally {
        await worker.close();
      }
    });
  });

  describe('GET /api/super-admin/monitoring', () => {
    it('shows totals, rates, durations, storage, the tenants’ last backups, stale tenants, alerts and queue depths', async () => {
      const { body } = await http().get('/api/super-admin/monitoring?limit=1&offset=0').set(admin()).expect(200);
      expect(body.totals).toEqual(expect.arrayContaining([{ type: 'TENANT', status: 'COMPLETED', count: 1 }, { type: 'PRE_RESTORE', status: 'COMPLETED', count: 1 }]));
      expect(body.successRate.last24h).toMatchObject({ completed: 2, failed: 0, rate: 1 });
      expect(body.successRate.last7d).toMatchObject({ completed: 2, failed: 0, rate: 1 });
      const tenantDurations = body.durations.find((d: { type: string }) => d.type === 'TENANT');
      expect(tenantDurations.count).toBe(1);
      expect(tenantDurations.p95Seconds).toBeGreaterThan(0);
      expect(tenantDurations.averageSeconds).toBe(tenantDurations.p95Seconds);
      expect(body.storage).toEqual([{ provider: 'local', bytes: expect.any(Number), backups: 2, quotaBytes: null }]);
      expect(body.storage[0].bytes).toBeGreaterThan(0);
      expect(body.lastSuccessfulBackups).toMatchObject({ total: 2, limit: 1, offset: 0, items: [{ tenantId: B, lastBackupAt: null, stale: true }] });
      const second = await http().get('/api/super-admin/monitoring?limit=1&offset=1').set(admin()).expect(200);
      expect(second.body.lastSuccessfulBackups.items).toEqual([{ tenantId: A, lastBackupAt: expect.any(String), stale: false }]);
      expect(body.staleTenants).toEqual({ count: 1, staleAfterHours: 24, tenantIds: [B] });
      expect(body.alerts.activeBySeverity).toEqual({ INFO: 0, WARNING: 0, ERROR: 0, CRITICAL: 0 });
      const queues = Object.fromEntries(body.queues.map((q: { queue: string }) => [q.queue, q]));
      for (const name of ['backups', 'replication', 'alert-delivery']) expect(queues[name]).toMatchObject({ available: true, waiting: 0, active: 0, delayed: 0 });
    });

    it('is for super admins only, with bounded pagination', async () => {
      await http().get('/api/super-admin/monitoring').set({ Authorization: `Bearer ${env.tenantToken(A)}` }).expect(403);
      await http().get('/api/super-admin/monitoring').expect(401);
      expect((await http().get('/api/super-admin/monitoring?limit=100000').set(admin()).expect(400)).body.message).toContain('limit');
    });
  });

  describe('GET /health', () => {
    it('answers 503 naming the stale backups until a disaster backup and every tenant’s backup are fresh, then 200', async () => {
      const stale = await http().get('/health').expect(503);
      expect(Object.keys(stale.body.error).sort()).toEqual(['disaster_backup', 'tenant_backups']);
      expect(stale.body.message).toBe('failing: disaster_backup, tenant_backups');
      expect(stale.body.error.disaster_backup.message).toBe('no completed disaster backup');
      expect(stale.body.error.tenant_backups).toMatchObject({ activeTenants: 2, staleTenants: 1 });

      const disaster = await http().post('/api/super-admin/backups/disaster').set(admin()).expect(202);
      expect((await waitForBackup(disaster.body.id, `/api/super-admin/backups/disaster/${disaster.body.id}`)).status).toBe('COMPLETED');
      expect((await backupAndWait(B)).status).toBe('COMPLETED');
      const healthy = await http().get('/health').expect(200);
      expect(healthy.body.info).toMatchObject({ redis: { status: 'up' }, disaster_backup: { status: 'up' }, tenant_backups: { status: 'up', staleTenants: 0 } });
      await http().get('/health/ready').expect(200);
    });

    it('answers 503 naming Redis while Redis is stopped, and 200 again once it is back', async () => {
      await stopRedis(redis);
      const down = await waitFor('/health to notice', async () => {
        const res = await http().get('/health');
        return res.status === 503 ? res : undefined;
      });
      expect(Object.keys(down.body.error)).toEqual(['redis']);
      expect(down.body.message).toBe('failing: redis');
      expect(down.body.details.catalog_database.status).toBe('up');
      // Metrics still answer, and say what they could not read.
      const families = await metrics();
      expect(sampleValue(families, 'tenantvault_metrics_part_up', { part: 'queues' })).toBe(0);
      expect(sampleValue(families, 'tenantvault_metrics_part_up', { part: 'catalog' })).toBe(1);

      redis = await startRedis(redisPort);
      const up = await waitFor('/health to recover', async () => {
        const res = await http().get('/health');
        return res.status === 200 ? res : undefined;
      });
      expect(up.body.info.redis.status).toBe('up');
      await queuesBack();
    });
  });
});
