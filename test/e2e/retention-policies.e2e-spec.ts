import { Client } from 'pg';
import { DEMO_TENANTS } from '../../libs/demo-platform';
import { LocalFsAdapter, S3CompatibleAdapter, sidecarKeyFor } from '../../libs/storage';
import { BackupType } from '../../src/modules/backups';
import { startTestEnvironment, TestEnvironment } from '../support/test-app';
import { waitFor } from '../support/wait-for';
import { apiOf } from '../support/api';
import { listKeys, localAdapter, pollRun, s3Adapter, seedBackups, SyntheticBackup } from './retention-fixtures';

const A = DEMO_TENANTS.A.id;
const B = DEMO_TENANTS.B.id;
const C = DEMO_TENANTS.C.id;
const DAY = 86_400_000;
const GFS = { kind: 'gfs', hourly: 0, daily: 7, weekly: 4, monthly: 12, yearly: 0 };

interface RunBody {
  id: string;
  status: string;
  dryRun: boolean;
  candidates: { backupId: string; type: string; reason: string }[];
  kept: { backupId: string; type: string; reasons: string[] }[];
  deleted: number;
  failed: number;
  failures: { backupId: string; reason: string }[];
}

/** Small seeded PRNG (mulberry32): the same synthetic history on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The GFS rule computed here from its definition, sharing no code with the engine: per tenant, newest first, the first
 * backup of each of the newest 7 UTC days, 4 weeks (keyed by the date of their Monday) and 12 months.
 */
function expectedKept(backups: SyntheticBackup[]): Set<string> {
  const kept = new Set<string>();
  const byTenant = new Map<string, SyntheticBackup[]>();
  for (const b of backups) byTenant.set(b.tenantId!, [...(byTenant.get(b.tenantId!) ?? []), b]);
  const keyers: [number, (d: Date) => string][] = [
    [7, (d) => d.toISOString().slice(0, 10)],
    [4, (d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - ((d.getUTCDay() + 6) % 7))).toISOString().slice(0, 10)],
    [12, (d) => d.toISOString().slice(0, 7)],
  ];
  for (const list of byTenant.values()) {
    const newestFirst = [...list].sort((x, y) => y.createdAt.getTime() - x.createdAt.getTime());
    for (const [slots, keyOf] of keyers) {
      const seen = new Set<string>();
      for (const b of newestFirst) {
        const key = keyOf(b.createdAt);
        if (seen.has(key)) continue;
        if (seen.size === slots) break;
        seen.add(key);
        kept.add(b.id);
      }
    }
  }
  return kept;
}

describe('retention policies and runs (real PostgreSQL, Redis, local disk and an S3 server)', () => {
  let env: TestEnvironment;
  let api: ReturnType<typeof apiOf>;
  let local: LocalFsAdapter;
  let s3: S3CompatibleAdapter;

  const run = async (dryRun: boolean): Promise<RunBody> => {
    if (dryRun) return (await api.http().post('/api/super-admin/retention/run?dryRun=true').set(api.admin()).expect(200)).body;
    const started = await api.http().post('/api/super-admin/retention/run?dryRun=false').set(api.admin()).expect(202);
    expect(started.body).toMatchObject({ status: 'PENDING', dryRun: false });
    return pollRun<RunBody>(env, `/api/super-admin/retention/runs/${started.body.id}`);
  };
  const setPolicy = (type: string, policy: object) => api.http().put(`/api/super-admin/retention/policies/${type}`).set(api.admin()).send(policy);
  const statusOf = async (ids: string[]) =>
    Object.fromEntries((await api.catalogQuery<{ id: string; status: string }>(`select id, status from backup_records where id = any($1)`, [ids])).map((r) => [r.id, r.status]));

  beforeAll(async () => {
    env = await startTestEnvironment({ s3: true });
    api = apiOf(env);
    local = localAdapter(env);
    s3 = s3Adapter(env);
  });

  afterAll(async () => {
    s3?.destroy();
    await env?.close();
  });

  describe('policies', () => {
    it('lists the SPEC §3 defaults until a policy is set', async () => {
      const { body } = await api.http().get('/api/super-admin/retention/policies').set(api.admin()).expect(200);
      expect(body).toEqual([
        { type: 'TENANT', policy: { kind: 'days', days: 30 }, description: '30 days', source: 'default' },
        { type: 'PRE_RESTORE', policy: { kind: 'days', days: 7 }, description: '7 days', source: 'default' },
        { type: 'DISASTER', policy: { kind: 'days', days: 90 }, description: '90 days', source: 'default' },
      ]);
    });

    it('refuses a bad policy with 400 naming the field, and stores nothing', async () => {
      const negative = await setPolicy('TENANT', { ...GFS, weekly: -1 }).expect(400);
      expect(negative.body.message).toContain('weekly must be an integer from 0 to 530 (got -1)');
      const misspelt = await setPolicy('TENANT', { ...GFS, montly: 6 }).expect(400);
      expect(misspelt.body.message).toContain('montly');
      const missing = await setPolicy('TENANT', { kind: 'gfs', daily: 7 }).expect(400);
      expect(missing.body.message).toMatch(/hourly is required/);
      const nothing = await setPolicy('TENANT', { kind: 'gfs', hourly: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0 }).expect(400);
      expect(nothing.body.message).toMatch(/at least one of hourly, daily, weekly, monthly, yearly/);
      const customer = await setPolicy('CUSTOMER', { kind: 'days', days: 2 }).expect(400);
      expect(customer.body.message).toMatch(/type must be one of TENANT, PRE_RESTORE, DISASTER/);
      await api.http().put('/api/super-admin/retention/policies/TENANT').set({ Authorization: `Bearer ${env.tenantToken(A)}` }).send(GFS).expect(403);
      await api.http().put('/api/super-admin/retention/policies/TENANT').send(GFS).expect(401);
      expect(await api.catalogQuery('select * from retention_policies')).toEqual([]);
    });

    it('stores a GFS policy for tenant backups, keeping who set it, and audits the change', async () => {
      const { body } = await setPolicy('TENANT', GFS).expect(200);
      expect(body).toMatchObject({ type: 'TENANT', policy: GFS, description: 'daily 7, weekly 4, monthly 12', source: 'catalog', changedBy: 'test-admin' });
      const listed = await api.http().get('/api/super-admin/retention/policies').set(api.admin()).expect(200);
      expect(listed.body[0]).toMatchObject({ id: body.id, type: 'TENANT', policy: GFS, source: 'catalog' });
      // The refused changes above are on record too; this one points at the version it stored.
      const audit = await api.catalogQuery<{ actor: string; target_id: string; outcome: string }>(`select actor, target_id, outcome from audit_records where action = 'retention-policy.update' and actor = 'test-admin' order by at`);
      expect(audit.filter((a) => a.outcome !== 'SUCCESS')).toHaveLength(5);
      expect(audit.filter((a) => a.outcome === 'SUCCESS')).toEqual([{ actor: 'test-admin', target_id: body.id, outcome: 'SUCCESS' }]);
    });
  });

  describe('a GFS policy (daily 7, weekly 4, monthly 12) over 400 days of backups of 3 tenants', () => {
    let history: SyntheticBackup[];
    let kept: Set<string>;
    let dry: RunBody;

    beforeAll(async () => {
      const random = prng(12);
      const now = Date.now();
      const specs: { type: BackupType; tenantId: string; createdAt: Date }[] = [];
      for (const tenantId of [A, B, C]) {
        for (let day = 0; day < 400; day++) {
          const draw = random();
          const perDay = draw < 0.08 ? 0 : draw < 0.85 ? 1 : 2; // some days missed, some backed up twice
          for (let n = 0; n < perDay; n++) specs.push({ type: BackupType.TENANT, tenantId, createdAt: new Date(now - day * DAY - Math.floor(random() * 20 * 3_600_000) - 60_000) });
        }
      }
      history = await seedBackups(env, specs);
      kept = expectedKept(history);
    });

    it('dry run lists exactly the backups the rule lets go, each with its reason, and deletes nothing', async () => {
      dry = await run(true);
      expect(dry).toMatchObject({ status: 'COMPLETED', dryRun: true, deleted: 0 });
      const candidates = dry.candidates.filter((c) => c.type === 'TENANT');
      expect(new Set(candidates.map((c) => c.backupId))).toEqual(new Set(history.filter((b) => !kept.has(b.id)).map((b) => b.id)));
      expect(new Set(dry.kept.filter((k) => k.type === 'TENANT').map((k) => k.backupId))).toEqual(kept);
      expect(candidates.every((c) => c.reason === 'kept by no rule of daily 7, weekly 4, monthly 12')).toBe(true);
      expect(dry.kept.find((k) => k.backupId === [...kept][0])!.reasons.join(' ')).toMatch(/^(daily|weekly|monthly) /);
      expect(kept.size).toBeGreaterThan(3 * 12); // a sanity check on the fixture, not on the engine
      expect(await listKeys(local, 'tenants/')).toHaveLength(history.length * 2);
      expect(Object.values(await statusOf(history.map((b) => b.id))).every((s) => s === 'COMPLETED')).toBe(true);
    });

    it('a run deletes exactly the dry run’s candidates from the local directory and the S3 server, and marks them DELETED', async () => {
      const real = await run(false);
      expect(real).toMatchObject({ status: 'COMPLETED', failed: 0, failures: [] });
      expect(new Set(real.candidates.map((c) => c.backupId))).toEqual(new Set(dry.candidates.map((c) => c.backupId)));
      expect(real.deleted).toBe(history.length - kept.size);

      const keptKeys = history.filter((b) => kept.has(b.id)).flatMap((b) => [b.key, sidecarKeyFor(b.key)]).sort();
      expect(await listKeys(local, 'tenants/')).toEqual(keptKeys);
      expect(await listKeys(s3, 'tenants/')).toEqual(keptKeys);

      const statuses = await statusOf(history.map((b) => b.id));
      for (const b of history) expect([b.id, statuses[b.id]]).toEqual([b.id, kept.has(b.id) ? 'COMPLETED' : 'DELETED']);
      const deletions = await api.catalogQuery<{ backup_id: string; deleted_by: string; retention_run_id: string; reason: string }>('select * from backup_deletions');
      expect(deletions).toHaveLength(history.length - kept.size);
      expect(deletions.every((d) => d.deleted_by === 'test-admin' && d.retention_run_id === real.id && /kept by no rule/.test(d.reason))).toBe(true);
      const { body: deleted } = await api.http().get(`/api/super-admin/backups/${deletions[0].backup_id}`).set(api.admin()).expect(200);
      expect(deleted.status).toBe('DELETED');
    });
  });

  describe('PRE_RESTORE (7 days) and DISASTER (90 days) backups through the same engine', () => {
    it('lets go of what is older than its type’s default, keeping the newest verified disaster backup', async () => {
      const now = Date.now();
      const [preOld, preNew, disOld, disNew, disVerified] = await seedBackups(env, [
        { type: BackupType.PRE_RESTORE, tenantId: C, createdAt: new Date(now - 8 * DAY) },
        { type: BackupType.PRE_RESTORE, tenantId: C, createdAt: new Date(now - 6 * DAY) },
        { type: BackupType.DISASTER, createdAt: new Date(now - 91 * DAY) },
        { type: BackupType.DISASTER, createdAt: new Date(now - 89 * DAY) },
        { type: BackupType.DISASTER, createdAt: new Date(now - 120 * DAY), verified: true },
      ]);
      const dryRun = await run(true);
      const reasonOf = (id: string) => dryRun.candidates.find((c) => c.backupId === id)?.reason ?? dryRun.kept.find((k) => k.backupId === id)?.reasons;
      expect(reasonOf(preOld.id)).toBe('older than 7 days and kept by no rule');
      expect(reasonOf(preNew.id)).toEqual(['within 7 days']);
      expect(reasonOf(disOld.id)).toBe('older than 90 days and kept by no rule');
      expect(reasonOf(disNew.id)).toEqual(['within 90 days']);
      expect(reasonOf(disVerified.id)).toEqual(['newest verified disaster backup']);

      await run(false);
      expect(await statusOf([preOld.id, preNew.id, disOld.id, disNew.id, disVerified.id])).toEqual({
        [preOld.id]: 'DELETED',
        [preNew.id]: 'COMPLETED',
        [disOld.id]: 'DELETED',
        [disNew.id]: 'COMPLETED',
        [disVerified.id]: 'COMPLETED',
      });
      expect(await local.head(disOld.key)).toBeNull();
      expect(await s3.head(disVerified.key)).not.toBeNull();
    });
  });

  describe('protections, under a policy that would delete everything older than a day', () => {
    let platform: Client;
    let verified: SyntheticBackup;
    let newer: SyntheticBackup;
    let held: SyntheticBackup;
    let restoring: { id: string; status: string };
    let restoreId: string;

    beforeAll(async () => {
      platform = new Client({ connectionString: env.platform.url });
      await platform.connect();
      await setPolicy('TENANT', { kind: 'days', days: 1 }).expect(200);
      const now = Date.now();
      [verified, newer, held] = await seedBackups(env, [
        { type: BackupType.TENANT, tenantId: B, createdAt: new Date(now - 6 * DAY), verified: true },
        { type: BackupType.TENANT, tenantId: B, createdAt: new Date(now - 5 * DAY) },
        { type: BackupType.TENANT, tenantId: B, createdAt: new Date(now - 8 * DAY) },
      ]);
      restoring = await api.backupAndWait(A);
      expect(restoring.status).toBe('COMPLETED');
      await api.catalogQuery(`update backup_records set created_at = created_at - interval '10 days' where id = $1`, [restoring.id]);
    });

    afterAll(async () => {
      await platform?.query('ROLLBACK').catch(() => undefined);
      await platform?.end();
    });

    it('keeps the newest verified backup, a held backup and one under an IN_PROGRESS restore; deletes the rest', async () => {
      const hold = await api.http().put(`/api/super-admin/backups/${held.id}/hold`).set(api.admin()).send({ reason: 'litigation 2026-114' }).expect(200);
      expect(hold.body).toMatchObject({ backupId: held.id, reason: 'litigation 2026-114', placedBy: 'test-admin' });
      // The restore's snapshot of tenant A waits behind this lock: the restore stays IN_PROGRESS while retention runs.
      await platform.query('BEGIN');
      await platform.query('LOCK TABLE customers IN ACCESS EXCLUSIVE MODE');
      const restore = await api.http().post('/api/super-admin/restore/tenant').set(api.admin()).send({ tenantId: A, backupId: restoring.id }).expect(202);
      restoreId = restore.body.id;
      await waitFor('the restore to be IN_PROGRESS', async () => {
        const { body } = await api.http().get(`/api/super-admin/restore/${restoreId}`).set(api.admin()).expect(200);
        return body.status === 'IN_PROGRESS' || undefined;
      });

      const result = await run(false);

      const keptReasons = (id: string) => result.kept.find((k) => k.backupId === id)?.reasons;
      expect(keptReasons(verified.id)).toEqual(['newest verified backup of the tenant']);
      expect(keptReasons(held.id)).toEqual(['legal hold: litigation 2026-114']);
      expect(keptReasons(restoring.id)).toEqual([`restored by restore ${restoreId}, in progress`]);
      expect(result.candidates.map((c) => c.backupId)).toContain(newer.id);
      expect(await statusOf([verified.id, newer.id, held.id, restoring.id])).toEqual({ [verified.id]: 'COMPLETED', [newer.id]: 'DELETED', [held.id]: 'COMPLETED', [restoring.id]: 'COMPLETED' });
      expect(await local.head(held.key)).not.toBeNull();
      expect(await s3.head(held.key)).not.toBeNull();
      expect(await s3.head(newer.key)).toBeNull();
    });

    it('deletes the held backup at the next run once the hold is lifted, and keeps the snapshot of the latest restore', async () => {
      await platform.query('COMMIT');
      const restore = await waitFor<{ status: string; items: { preRestoreBackupId: string }[] }>('the restore to finish', async () => {
        const { body } = await api.http().get(`/api/super-admin/restore/${restoreId}`).set(api.admin()).expect(200);
        return ['COMPLETED', 'FAILED', 'PARTIAL'].includes(body.status) ? body : undefined;
      });
      expect(restore.status).toBe('COMPLETED');
      const snapshot = restore.items[0].preRestoreBackupId;
      await setPolicy('PRE_RESTORE', { kind: 'days', days: 1 }).expect(200);
      await api.catalogQuery(`update backup_records set created_at = created_at - interval '3 days' where id = $1`, [snapshot]);

      const lifted = await api.http().delete(`/api/super-admin/backups/${held.id}/hold`).set(api.admin()).expect(200);
      expect(lifted.body).toMatchObject({ liftedBy: 'test-admin' });
      await api.http().delete(`/api/super-admin/backups/${held.id}/hold`).set(api.admin()).expect(404);
      const result = await run(false);

      expect(result.candidates.map((c) => c.backupId)).toContain(held.id);
      expect(result.kept.find((k) => k.backupId === snapshot)?.reasons).toEqual([`snapshot taken by restore ${restoreId}, the latest restore of tenant ${A}`]);
      expect(await statusOf([held.id, restoring.id, snapshot, verified.id])).toEqual({ [held.id]: 'DELETED', [restoring.id]: 'DELETED', [snapshot]: 'COMPLETED', [verified.id]: 'COMPLETED' });
      expect(await local.head(held.key)).toBeNull();
      expect(await s3.head(held.key)).toBeNull();
      const audit = await api.catalogQuery<{ action: string; outcome: string }>(`select action, outcome from audit_records where action in ('backup.hold', 'backup.release-hold') order by at`);
      expect(audit.map((a) => a.action)).toEqual(['backup.hold', 'backup.release-hold', 'backup.release-hold']);
      expect(audit.map((a) => a.outcome === 'SUCCESS')).toEqual([true, true, false]); // the second lift found no hold
    });

    it('refuses holds on unknown or deleted backups and without a reason', async () => {
      await api.http().put(`/api/super-admin/backups/${held.id}/hold`).set(api.admin()).send({ reason: 'too late' }).expect(409);
      await api.http().put('/api/super-admin/backups/0f9c3c0e-5b6e-4c1e-9d7a-2b1f0c9e8d7a/hold').set(api.admin()).send({ reason: 'x' }).expect(404);
      const empty = await api.http().put(`/api/super-admin/backups/${verified.id}/hold`).set(api.admin()).send({}).expect(400);
      expect(empty.body.message).toContain('reason');
      const badId = await api.http().put('/api/super-admin/backups/not-a-uuid/hold').set(api.admin()).send({ reason: 'x' }).expect(400);
      expect(badId.body.message).toContain('backupId');
      await api.http().put(`/api/super-admin/backups/${verified.id}/hold`).set({ Authorization: `Bearer ${env.tenantToken(B)}` }).send({ reason: 'x' }).expect(403);
    });
  });
});
