import jwt from 'jsonwebtoken';
import { Client } from 'pg';
import { DEMO_TENANTS } from '../../libs/demo-platform';
import { apiOf } from '../support/api';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { startTestEnvironment, TEST_JWT_SECRET, TestEnvironment } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const A = DEMO_TENANTS.A.id;
const PASSWORD = 'pw-that-must-never-leak';

/** What an attacker and a careless client try: the answers are 4xx naming the problem, nothing is written, nothing leaks. */
describe('hardening (real PostgreSQL, Redis)', () => {
  let env: TestEnvironment;
  let api: ReturnType<typeof apiOf>;
  const databases: TestDatabase[] = [];
  let disasterBackupId: string;

  const newDatabase = async () => {
    const db = await createTestDatabase(undefined, 'hardening');
    databases.push(db);
    return db;
  };
  const withPassword = (url: string, host?: string) => {
    const parsed = new URL(url);
    parsed.password = PASSWORD;
    if (host) parsed.hostname = host;
    return parsed.toString();
  };
  const tableCount = async (url: string) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`)).rows[0].n;
    } finally {
      await client.end();
    }
  };
  const token = (claims: Record<string, unknown>, options: jwt.SignOptions = {}) => `Bearer ${jwt.sign({ sub: 'mallory', role: 'super_admin', ...claims }, TEST_JWT_SECRET, { algorithm: 'HS256', ...options })}`;

  beforeAll(async () => {
    env = await startTestEnvironment({ captureLogs: true, env: { JOB_ATTEMPTS: '1' } });
    api = apiOf(env);
    disasterBackupId = (await api.disasterBackupAndWait()).id;
  });

  afterAll(async () => {
    for (const db of databases) await db.drop();
    await env?.close();
  });

  describe('disaster-restore targets', () => {
    it('refuses ?dbname= and ?password= (and every other parameter but sslmode), naming it, writing nothing anywhere, leaking nothing', async () => {
      const empty = await newDatabase();
      const occupied = await newDatabase();
      const client = new Client({ connectionString: occupied.url });
      await client.connect();
      await client.query('CREATE TABLE precious (id int)');
      await client.end();

      const attempts = [
        [`${withPassword(empty.url)}?dbname=${occupied.name}`, 'dbname'],
        [`${empty.url}?password=${PASSWORD}`, 'password'],
        [`${empty.url}?host=10.1.2.3`, 'host'],
        [`${empty.url}?sslcert=/etc/shadow`, 'sslcert'],
        [`${empty.url}?passfile=/root/.pgpass`, 'passfile'],
      ];
      for (const [url, param] of attempts) {
        const res = await api.http().post('/api/super-admin/restore/disaster').set(api.admin()).send({ backupId: disasterBackupId, targetDatabaseUrl: url, confirm: true }).expect(400);
        expect(res.body.message).toContain(`"${param}"`);
      }
      expect(await tableCount(empty.url)).toBe(0);
      expect(await tableCount(occupied.url)).toBe(1);
      expect(await api.catalogQuery('SELECT * FROM disaster_restores')).toEqual([]);
      const audit = await waitFor('every refusal in the audit', async () => {
        const { body } = await api.http().get('/api/super-admin/audit?limit=200').set(api.admin()).expect(200);
        return body.items.filter((i: { action: string; outcome: string }) => i.action === 'disaster-restore.create' && i.outcome === 'REFUSED').length === attempts.length ? { body } : undefined;
      });
      expect(JSON.stringify(audit.body)).not.toContain(PASSWORD);
      expect(env.logs.join('\n')).not.toContain(PASSWORD);
    });

    it('recognises the catalog and the live platform behind every spelling of this machine', async () => {
      for (const host of ['LOCALHOST', '0.0.0.0', '127.0.0.1', '[::1]']) {
        const catalog = await api.http().post('/api/super-admin/restore/disaster').set(api.admin()).send({ backupId: disasterBackupId, targetDatabaseUrl: withPassword(env.catalog.url, host), confirm: true, cleanTarget: true });
        expect([catalog.status, catalog.body.code]).toEqual([400, 'DISASTER.TARGET_PROTECTED']);
        const platform = await api.http().post('/api/super-admin/restore/disaster').set(api.admin()).send({ backupId: disasterBackupId, targetDatabaseUrl: withPassword(env.platform.url, host), confirm: true, cleanTarget: true });
        expect([platform.status, platform.body.message]).toEqual([400, expect.stringContaining('live platform')]);
      }
    });

    it('lets one of two concurrent restores into one target through, and answers 409 to the other', async () => {
      const target = await newDatabase();
      const answers = await Promise.all([0, 1].map(() => api.http().post('/api/super-admin/restore/disaster').set(api.admin()).send({ backupId: disasterBackupId, targetDatabaseUrl: target.url.replace('127.0.0.1', 'localhost'), confirm: true })));
      expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
    });
  });

  it('accepts exactly one of 10 concurrent disaster backups', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => api.http().post('/api/super-admin/backups/disaster').set(api.admin())));
    expect(answers.map((a) => a.status).sort()).toEqual([202, ...Array(9).fill(409)]);
    const accepted = answers.find((a) => a.status === 202)!;
    await api.waitForBackup(accepted.body.id, `/api/super-admin/backups/disaster/${accepted.body.id}`);
  });

  describe('bodies and queries that used to answer 500', () => {
    it('POST /restore/all without confirm: true answers 400 and restores nothing', async () => {
      for (const body of [{}, { confirm: false }, { __proto__: { confirm: true } }]) {
        const res = await api.http().post('/api/super-admin/restore/all').set(api.admin()).set('Content-Type', 'application/json').send(JSON.stringify(body)).expect(400);
        expect(res.body.message).toMatch(/confirm/);
      }
      expect(await api.catalogQuery('SELECT * FROM restore_operations')).toEqual([]);
    });

    it('refuses __proto__, constructor and prototype keys anywhere in a body', async () => {
      for (const raw of ['{"__proto__": {"admin": true}, "tenantId": "x"}', '{"pairs": [{"constructor": {"prototype": {}}}]}', '{"confirm": true, "nested": {"prototype": 1}}']) {
        const res = await api.http().post('/api/super-admin/restore/multiple').set(api.admin()).set('Content-Type', 'application/json').send(raw).expect(400);
        expect(res.body.message).toMatch(/(__proto__|constructor|prototype) is not an allowed field name/);
      }
    });

    it('bounds offset and limit', async () => {
      for (const query of ['offset=9223372036854775808', 'offset=-1', 'limit=0', 'limit=201', 'limit=NaN', 'offset=Infinity']) {
        const res = await api.http().get(`/api/super-admin/backups/tenant/${A}?${query}`).set(api.admin()).expect(400);
        expect(res.body.message).toContain(query.split('=')[0]);
      }
    });

    it('answers 400 naming the field for null, and for NaN or Infinity where a value is expected', async () => {
      const nullMode = await api.http().post('/api/super-admin/restore/tenant').set(api.admin()).send({ tenantId: A, backupId: disasterBackupId, mode: null }).expect(400);
      expect(nullMode.body.message).toContain('mode must not be null');
      const infinite = await api.http().post('/api/super-admin/restore/tenant').set(api.admin()).set('Content-Type', 'application/json').send(`{"tenantId": "${A}", "backupId": "${disasterBackupId}", "mode": 1e999}`).expect(400);
      expect(infinite.body.message).toContain('mode');
    });

    it('caps the nesting depth of a body before it is transformed', async () => {
      const deep = `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`;
      const res = await api.http().post('/api/super-admin/restore/multiple').set(api.admin()).set('Content-Type', 'application/json').send(deep).expect(400);
      expect(res.body.message).toMatch(/nested deeper than/);
    });

    it('treats one tenant in two letter cases as the same tenant', async () => {
      const res = await api.http().post('/api/super-admin/restore/multiple').set(api.admin()).send({ pairs: [{ tenantId: A, backupId: disasterBackupId }, { tenantId: A.toUpperCase(), backupId: disasterBackupId }] }).expect(400);
      expect(res.body.message).toContain('pairs must not list a tenant twice');
    });
  });

  describe('tokens and the audit of refusals', () => {
    it('refuses a token without exp, one that lives longer than JWT_MAX_TTL, and a wrong signature, and audits each', async () => {
      const noExp = await api.http().get('/api/super-admin/audit').set('Authorization', token({})).expect(401);
      expect(noExp.body.message).toMatch(/exp/);
      const tooLong = await api.http().get('/api/super-admin/audit').set('Authorization', token({}, { expiresIn: '30d' })).expect(401);
      expect(tooLong.body.message).toMatch(/JWT_MAX_TTL/);
      await api.http().get('/api/super-admin/audit').set('Authorization', `Bearer ${jwt.sign({ sub: 'x', role: 'super_admin' }, 'another-secret-of-at-least-32-characters', { expiresIn: '1h' })}`).expect(401);

      // Written once each answer has been sent.
      const denied = await waitFor('three denials in the audit', async () => {
        const rows = await api.catalogQuery<{ action: string; outcome: string; actor: string; detail: { route: string; status: number; reason: string } }>(`SELECT * FROM audit_records WHERE outcome = 'DENIED' ORDER BY at`);
        return rows.length === 3 ? rows : undefined;
      });
      expect(denied.map((d) => [d.action, d.actor, d.detail.status, d.detail.route])).toEqual(Array(3).fill(['request.denied', 'anonymous', 401, '/api/super-admin/audit']));
      expect(denied[0].detail.reason).toMatch(/exp/);
    });

    it('audits a wrong role (403), unknown ids (404) and bad path values (400) without failing on a non-UUID path', async () => {
      await api.http().get('/api/super-admin/audit').set(api.tenant(A)).expect(403);
      await api.http().get('/api/super-admin/backups/00000000-0000-4000-8000-000000000000').set(api.admin()).expect(404);
      await api.http().post("/api/super-admin/backups/tenant/not-a-uuid'--").set(api.admin()).expect(400);
      const expected = [
        ['request.denied', 'DENIED', 403],
        ['request.refused', 'REFUSED', 404],
        ['backup.create', 'REFUSED', 400],
      ];
      const rows = await waitFor('the three refusals in the audit', async () => {
        const found = await api.catalogQuery<{ action: string; outcome: string; actor: string; target_id: string | null; tenant_id: string | null; detail: { status: number } }>(
          `SELECT * FROM audit_records WHERE (detail->>'status')::int IN (400, 403, 404) ORDER BY at`,
        );
        const tuples = found.map((r) => JSON.stringify([r.action, r.outcome, r.detail.status]));
        return expected.every((e) => tuples.includes(JSON.stringify(e))) ? found : undefined;
      });
      const badPath = rows.find((r) => r.action === 'backup.create')!;
      expect(badPath.tenant_id).toBeNull();
      expect(badPath.target_id).toBe("not-a-uuid'--");
    });
  });

  it('serves no X-Powered-By header', async () => {
    const res = await api.http().get('/health/live').expect(200);
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('DOCS_ENABLED=false', () => {
  it('turns /docs and /docs-json off', async () => {
    const env = await startTestEnvironment({ env: { DOCS_ENABLED: 'false' } });
    try {
      const api = apiOf(env);
      await api.http().get('/docs-json').expect(404);
      await api.http().get('/docs').expect(404);
    } finally {
      await env.close();
    }
  });
});
