import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Client } from 'pg';
import request from 'supertest';
import { S3CompatibleAdapter } from '../../libs/storage';
import { runCli } from '../support/backup-files';
import { DEMO_TENANTS } from '../../libs/demo-platform';
import { TableHash, tableContentHashes } from '../support/table-hashes';
import { startTestEnvironment, TEST_ENCRYPTION_KEY, TestEnvironment } from '../support/test-app';
import { waitFor } from '../support/wait-for';
import { DomainEvent, DomainEvents } from '../../src/common/domain-events';
import { RestoreMode, RestoreRunner, RestoresService } from '../../src/modules/restores';

const A = DEMO_TENANTS.A.id;
const B = DEMO_TENANTS.B.id;
const C = DEMO_TENANTS.C.id;
/** An active tenant created during the test, never backed up. */
const D = '44444444-4444-4444-8444-444444444444';
const GLOBAL_TABLES = ['"public"."currencies"', '"public"."exchange_rates"', '"public"."feature_flags"'];

interface Backup {
  id: string;
  type: string;
  status: string;
  tenantId: string;
  initiatedBy: string;
  rowCounts: Record<string, number>;
  locations: { provider: string; key: string; status: string }[];
}

interface RestoreItem {
  tenantId: string;
  backupId?: string;
  status: string;
  progress: number;
  provider?: string;
  rowsRestored?: Record<string, number>;
  preRestoreBackupId?: string;
  errorMessage?: string;
}

interface Restore {
  id: string;
  type: string;
  mode: string;
  status: string;
  progress: number;
  tenantId?: string;
  backupId?: string;
  preRestoreBackupId?: string;
  rowsRestored?: Record<string, number>;
  errorMessage?: string;
  initiatedBy: string;
  items: RestoreItem[];
}

describe('tenant restores over HTTP (real PostgreSQL, Redis, local disk and an S3 server)', () => {
  let env: TestEnvironment;
  let platform: Client;
  const events: DomainEvent[] = [];
  /** Every restore operation created, per tenant, in creation order: what history must list. */
  const restoresOf: Record<string, string[]> = { [A]: [], [B]: [], [C]: [], [D]: [] };
  /** Every completed TENANT or PRE_RESTORE backup per tenant: what points must list. */
  const pointsOf: Record<string, Set<string>> = { [A]: new Set(), [B]: new Set(), [C]: new Set() };

  const http = () => request(env.app.getHttpServer());
  const admin = () => ({ Authorization: `Bearer ${env.superAdminToken}` });
  const hashes = (tenantId: string): Promise<Record<string, TableHash>> => tableContentHashes(platform, { tenantId });
  const globals = (): Promise<Record<string, TableHash>> => tableContentHashes(platform, { tables: GLOBAL_TABLES });

  async function backupAndWait(tenantId: string): Promise<Backup> {
    const created = await http().post(`/api/super-admin/backups/tenant/${tenantId}`).set(admin()).expect(202);
    const backup = await waitFor<Backup>(`backup ${created.body.id} to finish`, async () => {
      const { body } = await http().get(`/api/super-admin/backups/${created.body.id}`).set(admin()).expect(200);
      return ['COMPLETED', 'FAILED'].includes(body.status) ? body : undefined;
    });
    expect(backup.status).toBe('COMPLETED');
    pointsOf[tenantId].add(backup.id);
    return backup;
  }

  function track(restore: Restore): void {
    for (const item of restore.items) restoresOf[item.tenantId].push(restore.id);
  }

  async function waitForRestore(id: string): Promise<Restore> {
    const restore = await waitFor<Restore>(`restore ${id} to finish`, async () => {
      const { body } = await http().get(`/api/super-admin/restore/${id}`).set(admin()).expect(200);
      return ['COMPLETED', 'PARTIAL', 'FAILED'].includes(body.status) ? body : undefined;
    });
    for (const item of restore.items) if (item.preRestoreBackupId) pointsOf[item.tenantId].add(item.preRestoreBackupId);
    return restore;
  }

  async function restore(path: 'tenant' | 'multiple' | 'all', body: object): Promise<Restore> {
    const created = await http().post(`/api/super-admin/restore/${path}`).set(admin()).send(body).expect(202);
    expect(created.body.status).toBe('PENDING');
    track(created.body);
    return waitForRestore(created.body.id);
  }

  /** Children deleted, rows scrambled, a self-reference rewired and a row added: FULL must undo all of it. */
  async function damage(tenantId: string): Promise<void> {
    await platform.query(`DELETE FROM billing.refunds r USING billing.payments p WHERE r.payment_id = p.id AND p.tenant_id = $1`, [tenantId]);
    await platform.query(`DELETE FROM invoice_items i USING invoices v WHERE i.invoice_id = v.id AND v.tenant_id = $1 AND i.line_no > 1`, [tenantId]);
    await platform.query(`UPDATE customers SET name = reverse(name), balance = balance + 1, tags = NULL WHERE tenant_id = $1`, [tenantId]);
    await platform.query(`UPDATE categories SET parent_id = NULL WHERE tenant_id = $1 AND position % 2 = 0`, [tenantId]);
    await platform.query(
      `UPDATE categories c SET parent_id = p.id FROM categories p WHERE c.tenant_id = $1 AND p.tenant_id = $1 AND c.position = 1 AND p.position = 7`,
      [tenantId],
    );
    await platform.query(`INSERT INTO users (tenant_id, email, display_name, created_at) VALUES ($1, $2, 'intruder', now())`, [tenantId, `intruder-${randomUUID()}@example.test`]);
  }

  function s3Adapter(): S3CompatibleAdapter {
    const s3 = env.s3!;
    return new S3CompatibleAdapter({ name: 'b2', endpoint: s3.endpoint, region: s3.region, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });
  }

  function flipped(bytes: Buffer): Buffer {
    const copy = Buffer.from(bytes);
    copy[Math.floor(copy.length / 2)] ^= 0x01;
    return copy;
  }

  async function corruptLocal(backup: Backup): Promise<void> {
    const file = join(env.localPath, backup.locations.find((l) => l.provider === 'local')!.key);
    await writeFile(file, flipped(await readFile(file)));
  }

  async function corruptB2(backup: Backup): Promise<void> {
    const key = backup.locations.find((l) => l.provider === 'b2')!.key;
    const chunks: Buffer[] = [];
    for await (const chunk of await s3Adapter().get(key)) chunks.push(chunk as Buffer);
    await s3Adapter().put(key, Readable.from([flipped(Buffer.concat(chunks))]));
  }

  async function catalogQuery(sql: string, params: unknown[] = []) {
    const catalog = new Client({ connectionString: env.catalog.url });
    await catalog.connect();
    try {
      return await catalog.query(sql, params);
    } finally {
      await catalog.end();
    }
  }

  function cliEnv(): Record<string, string> {
    const s3 = env.s3!;
    return {
      NODE_ENV: 'test',
      LOG_FORMAT: 'json',
      DATABASE_URL: env.catalog.url,
      SOURCE_DATABASE_URL: env.platform.url,
      REDIS_URL: env.config.redisUrl,
      QUEUE_PREFIX: env.config.queuePrefix,
      JWT_SECRET: env.config.jwtSecret,
      BACKUP_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      LOCAL_STORAGE_PATH: env.localPath,
      STORAGE_PROVIDERS: 'local,b2',
      B2_ENDPOINT_URL: s3.endpoint,
      B2_BUCKET_NAME: s3.bucket,
      B2_ACCESS_KEY_ID: s3.accessKeyId,
      B2_SECRET_ACCESS_KEY: s3.secretAccessKey,
      B2_REGION: s3.region,
    };
  }

  beforeAll(async () => {
    env = await startTestEnvironment({ s3: true });
    platform = new Client({ connectionString: env.platform.url });
    await platform.connect();
    env.app.get(DomainEvents).on('restore.failed', (e) => void events.push(e));
    env.app.get(DomainEvents).on('integrity.failure', (e) => void events.push(e));
  });

  afterAll(async () => {
    await platform?.end();
    await env?.close();
  });

  it('FULL restore brings a damaged tenant back exactly, leaves others alone, and its pre-restore snapshot rolls it back', async () => {
    const original = await hashes(A);
    const otherBefore = await hashes(B);
    const globalsBefore = await globals();
    const backup = await backupAndWait(A);

    await damage(A);
    const damaged = await hashes(A);
    expect(damaged).not.toEqual(original);

    const restored = await restore('tenant', { tenantId: A, backupId: backup.id });
    expect(restored).toMatchObject({ type: 'INDIVIDUAL', mode: 'FULL', status: 'COMPLETED', progress: 100, tenantId: A, backupId: backup.id, initiatedBy: 'test-admin' });
    expect(restored.items).toEqual([expect.objectContaining({ tenantId: A, status: 'COMPLETED', progress: 100, provider: 'local' })]);
    expect(await hashes(A)).toEqual(original);
    expect(await hashes(B)).toEqual(otherBefore);
    expect(await globals()).toEqual(globalsBefore);
    expect(restored.rowsRestored).toEqual(backup.rowCounts);

    const { body: snapshot } = await http().get(`/api/super-admin/backups/${restored.preRestoreBackupId}`).set(admin()).expect(200);
    expect(snapshot).toMatchObject({ type: 'PRE_RESTORE', status: 'COMPLETED', tenantId: A, initiatedBy: `restore:${restored.id}` });
    expect(snapshot.locations.map((l: { provider: string; status: string }) => [l.provider, l.status])).toEqual([['b2', 'STORED'], ['local', 'STORED']]);

    const rollback = await restore('tenant', { tenantId: A, backupId: snapshot.id });
    expect(rollback.status).toBe('COMPLETED');
    expect(await hashes(A)).toEqual(damaged);
    expect(await hashes(B)).toEqual(otherBefore);

    const again = await restore('tenant', { tenantId: A, backupId: backup.id, mode: 'FULL' });
    expect(again.status).toBe('COMPLETED');
    expect(await hashes(A)).toEqual(original);
  });

  describe('a corrupted copy', () => {
    let backup: Backup;
    let atBackup: Record<string, TableHash>;

    beforeAll(async () => {
      backup = await backupAndWait(A);
      atBackup = await hashes(A);
      await corruptLocal(backup);
      await platform.query(`UPDATE customers SET email = 'changed-after-backup@example.test' WHERE tenant_id = $1`, [A]);
    });

    it('fails a restore from that provider, saying why, with the tenant unchanged', async () => {
      const before = await hashes(A);
      const failed = await restore('tenant', { tenantId: A, backupId: backup.id, provider: 'local' });
      expect(failed.status).toBe('FAILED');
      expect(failed.errorMessage).toMatch(/validation failed/);
      expect(failed.errorMessage).toMatch(/local: integrity check failed/);
      expect(failed.preRestoreBackupId).toBeNull();
      expect(await hashes(A)).toEqual(before);
      expect(events).toContainEqual({ type: 'restore.failed', restoreId: failed.id, tenantId: A, backupId: backup.id, reason: failed.errorMessage, initiatedBy: 'test-admin' });
      expect(events).toContainEqual(expect.objectContaining({ type: 'integrity.failure', backupId: backup.id, backupType: 'TENANT', provider: 'local' }));
    });

    it('the validate route reports the bad copy and picks the intact one, changing nothing', async () => {
      const before = await hashes(A);
      const local = await http().post(`/api/super-admin/restore/validate/${backup.id}?provider=local`).set(admin()).expect(200);
      expect(local.body).toMatchObject({ backupId: backup.id, tenantId: A, valid: false, provider: null });
      expect(local.body.problems.join('\n')).toMatch(/local: integrity check failed/);
      const any = await http().post(`/api/super-admin/restore/validate/${backup.id}`).set(admin()).expect(200);
      expect(any.body).toMatchObject({ valid: true, provider: 'b2' });
      expect(any.body.problems).toEqual([expect.stringMatching(/^local: integrity check failed/)]);
      expect(await hashes(A)).toEqual(before);
    });

    it('with skipValidation, the import itself detects the damage and rolls back', async () => {
      const before = await hashes(A);
      const failed = await restore('tenant', { tenantId: A, backupId: backup.id, provider: 'local', skipValidation: true });
      expect(failed.status).toBe('FAILED');
      expect(failed.errorMessage).toMatch(/integrity check failed at local, the tenant is unchanged/);
      expect(failed.preRestoreBackupId).toBeDefined();
      expect(await hashes(A)).toEqual(before);
    });

    it('without a provider, falls back to the intact b2 copy', async () => {
      const restored = await restore('tenant', { tenantId: A, backupId: backup.id });
      expect(restored.status).toBe('COMPLETED');
      expect(restored.items[0].provider).toBe('b2');
      expect(await hashes(A)).toEqual(atBackup);
    });
  });

  it('MULTIPLE restores every tenant it can and reports the one whose backup is corrupt everywhere', async () => {
    const backups = { A: await backupAndWait(A), B: await backupAndWait(B), C: await backupAndWait(C) };
    const expected = { A: await hashes(A), B: await hashes(B) };
    await corruptLocal(backups.C);
    await corruptB2(backups.C);
    await damage(A);
    await platform.query(`UPDATE users SET display_name = 'renamed' WHERE tenant_id = $1`, [B]);
    const cBefore = await hashes(C);

    const result = await restore('multiple', {
      pairs: [
        { tenantId: A, backupId: backups.A.id },
        { tenantId: C, backupId: backups.C.id },
        { tenantId: B, backupId: backups.B.id },
      ],
    });
    expect(result).toMatchObject({ type: 'MULTIPLE', status: 'PARTIAL' });
    expect(result.tenantId).toBeUndefined();
    expect(result.items.map((i) => [i.tenantId, i.status])).toEqual([
      [A, 'COMPLETED'],
      [C, 'FAILED'],
      [B, 'COMPLETED'],
    ]);
    const failed = result.items[1];
    expect(failed.errorMessage).toMatch(/local: integrity check failed/);
    expect(failed.errorMessage).toMatch(/b2: integrity check failed/);
    expect(failed.preRestoreBackupId).toBeNull();
    expect(result.errorMessage).toContain(C);
    expect(await hashes(A)).toEqual(expected.A);
    expect(await hashes(B)).toEqual(expected.B);
    expect(await hashes(C)).toEqual(cBefore);
    expect(events).toContainEqual(expect.objectContaining({ type: 'restore.failed', restoreId: result.id, tenantId: C, reason: failed.errorMessage }));
  });

  it('MULTIPLE reports a tenant locked by another operation as failed and restores the others', async () => {
    const backups = { A: await backupAndWait(A), B: await backupAndWait(B) };
    const holder = randomUUID();
    // Another replica's backup of A, as the lock table shows it.
    await catalogQuery(`INSERT INTO tenant_locks (tenant_id, operation, operation_id, acquired_at, heartbeat_at) VALUES ($1, 'BACKUP', $2, now(), now())`, [A, holder]);
    try {
      const result = await restore('multiple', { pairs: [{ tenantId: A, backupId: backups.A.id }, { tenantId: B, backupId: backups.B.id }], mode: 'MERGE' });
      expect(result).toMatchObject({ status: 'PARTIAL', mode: 'MERGE' });
      expect(result.items[0]).toMatchObject({ tenantId: A, status: 'FAILED', errorMessage: expect.stringContaining(holder) });
      expect(result.items[1]).toMatchObject({ tenantId: B, status: 'COMPLETED' });
    } finally {
      await catalogQuery(`DELETE FROM tenant_locks WHERE operation_id = $1`, [holder]);
    }
  });

  it('ALL restores each active tenant from its newest backup at or before backupDate', async () => {
    const newest = { A: await backupAndWait(A), B: await backupAndWait(B) };
    const expected = { A: await hashes(A), B: await hashes(B) };
    await damage(A);
    await damage(B);
    const result = await restore('all', { confirm: true });
    expect(result).toMatchObject({ type: 'ALL', status: 'COMPLETED', progress: 100 });
    expect(result.items.map((i) => [i.tenantId, i.backupId, i.status]).sort()).toEqual(
      [
        [A, newest.A.id, 'COMPLETED'],
        [B, newest.B.id, 'COMPLETED'],
      ].sort(),
    );
    expect(await hashes(A)).toEqual(expected.A);
    expect(await hashes(B)).toEqual(expected.B);

    await platform.query(`INSERT INTO tenants (id, slug, name, status, home_currency, created_at) VALUES ($1, 'newco', 'Newco', 'active', 'EUR', now())`, [D]);
    try {
      const partial = await restore('all', { confirm: true, mode: 'MERGE' });
      expect(partial.status).toBe('PARTIAL');
      expect(partial.items.find((i) => i.tenantId === D)).toMatchObject({ status: 'FAILED', errorMessage: expect.stringMatching(/^no completed TENANT backup at or before /) });
      expect(partial.items.filter((i) => i.tenantId !== D).map((i) => i.status)).toEqual(['COMPLETED', 'COMPLETED']);
    } finally {
      await platform.query('DELETE FROM tenants WHERE id = $1', [D]);
    }

    const tooEarly = await http().post('/api/super-admin/restore/all').set(admin()).send({ confirm: true, backupDate: '2001-01-01' }).expect(400);
    expect(tooEarly.body.message).toMatch(/No active tenant has a completed TENANT backup at or before 2001-01-01T23:59:59.999Z/);
  });

  describe('concurrency', () => {
    it('answers 409 to a restore of a tenant whose backup is running', async () => {
      const { body: points } = await http().get(`/api/super-admin/restore/points/${A}`).set(admin()).expect(200);
      const running = await http().post(`/api/super-admin/backups/tenant/${A}`).set(admin()).expect(202);
      const busy = await http().post('/api/super-admin/restore/tenant').set(admin()).send({ tenantId: A, backupId: points.items[0].backupId }).expect(409);
      expect(busy.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
      expect(busy.body.message).toContain(running.body.id);
      const done = await waitFor('backup to finish', async () => {
        const { body } = await http().get(`/api/super-admin/backups/${running.body.id}`).set(admin());
        return body.status === 'COMPLETED' ? body : undefined;
      });
      pointsOf[A].add(done.id);
    });

    it('answers 409 to a backup or a second restore of a tenant being restored', async () => {
      const { body: points } = await http().get(`/api/super-admin/restore/points/${B}`).set(admin()).expect(200);
      const created = await http().post('/api/super-admin/restore/tenant').set(admin()).send({ tenantId: B, backupId: points.items[0].backupId }).expect(202);
      track(created.body);
      const backup = await http().post(`/api/super-admin/backups/tenant/${B}`).set(admin()).expect(409);
      expect(backup.body.message).toContain(created.body.id);
      const second = await http().post('/api/super-admin/restore/tenant').set(admin()).send({ tenantId: B, backupId: points.items[0].backupId }).expect(409);
      expect(second.body.message).toContain(created.body.id);
      expect((await waitForRestore(created.body.id)).status).toBe('COMPLETED');
    });
  });

  it('a job delivered again after its worker died reports the interrupted tenant instead of restoring it blindly', async () => {
    const [backupId] = [...pointsOf[B]];
    const prepared = await env.app.get(RestoresService).prepareTenantRestore(B, backupId, { mode: RestoreMode.FULL, skipValidation: false }, 'test-admin');
    restoresOf[B].push(prepared.id);
    await catalogQuery(`UPDATE restore_items SET status = 'IN_PROGRESS' WHERE restore_id = $1`, [prepared.id]);
    const before = await hashes(B);

    const settled = await env.app.get(RestoreRunner).run(prepared.id);
    expect(settled.status).toBe('FAILED');
    expect(settled.items[0].errorMessage).toMatch(/^interrupted: the worker stopped/);
    expect(await hashes(B)).toEqual(before);
    const { rows } = await catalogQuery('SELECT 1 FROM tenant_locks WHERE tenant_id = $1', [B]);
    expect(rows).toEqual([]);
  });

  it('the CLI restores a tenant without the API, with a progress bar on stderr', async () => {
    const backup = await backupAndWait(A);
    const expected = await hashes(A);
    await damage(A);
    const { stdout, stderr } = await runCli(['restore', '--tenant', A, '--backup', backup.id], cliEnv());
    const result = JSON.parse(stdout) as Restore;
    track(result);
    pointsOf[A].add(result.preRestoreBackupId!);
    expect(result).toMatchObject({ type: 'INDIVIDUAL', status: 'COMPLETED', progress: 100, backupId: backup.id, initiatedBy: expect.stringMatching(/^cli:/) });
    expect(stderr).toMatch(/restore \[.*\] \d+%/);
    expect(stderr).toContain(`restore the pre-restore snapshot ${result.preRestoreBackupId}`);
    expect(await hashes(A)).toEqual(expected);

    await expect(runCli(['restore', '--tenant', A, '--backup', 'nope'], cliEnv())).rejects.toMatchObject({ stderr: expect.stringContaining('--backup must be a UUID') });
    await expect(runCli(['restore', '--tenant', B, '--backup', backup.id], cliEnv())).rejects.toMatchObject({ stderr: expect.stringContaining(`does not belong to tenant ${B}`) });
  });

  it('history lists exactly the restores that happened, newest first, paginated', async () => {
    for (const tenantId of [A, B, C, D]) {
      const { body } = await http().get(`/api/super-admin/restore/history?tenantId=${tenantId}&limit=200`).set(admin()).expect(200);
      expect(body.items.map((r: Restore) => r.id)).toEqual([...restoresOf[tenantId]].reverse());
      expect(body.total).toBe(restoresOf[tenantId].length);
    }
    const all = new Set(Object.values(restoresOf).flat());
    const { body: everything } = await http().get('/api/super-admin/restore/history?limit=200').set(admin()).expect(200);
    expect(everything.total).toBe(all.size);
    expect(new Set(everything.items.map((r: Restore) => r.id))).toEqual(all);
    // Filtered by one of its tenants, an operation still shows all of them.
    const { body: ofC } = await http().get(`/api/super-admin/restore/history?tenantId=${C}`).set(admin()).expect(200);
    expect(ofC.items[0].items.map((i: RestoreItem) => i.tenantId)).toEqual([A, C, B]);
    const { body: second } = await http().get(`/api/super-admin/restore/history?tenantId=${A}&limit=2&offset=1`).set(admin()).expect(200);
    expect(second.items.map((r: Restore) => r.id)).toEqual([...restoresOf[A]].reverse().slice(1, 3));
  });

  it('points lists completed TENANT and PRE_RESTORE backups with a stored copy, newest first', async () => {
    const { body } = await http().get(`/api/super-admin/restore/points/${A}?limit=200`).set(admin()).expect(200);
    expect(new Set(body.items.map((p: { backupId: string }) => p.backupId))).toEqual(pointsOf[A]);
    const created = body.items.map((p: { createdAt: string }) => p.createdAt);
    expect(created).toEqual([...created].sort().reverse());
    expect(new Set(body.items.map((p: { type: string }) => p.type))).toEqual(new Set(['TENANT', 'PRE_RESTORE']));

    const [missing] = [...pointsOf[A]];
    await catalogQuery(`UPDATE backup_locations SET status = 'FAILED' WHERE backup_id = $1 AND provider = 'b2'`, [missing]);
    try {
      const { body: b2 } = await http().get(`/api/super-admin/restore/points/${A}?provider=b2&limit=200`).set(admin()).expect(200);
      expect(b2.items.map((p: { backupId: string }) => p.backupId)).not.toContain(missing);
      expect(b2.total).toBe(pointsOf[A].size - 1);
      const { body: local } = await http().get(`/api/super-admin/restore/points/${A}?provider=local&limit=200`).set(admin()).expect(200);
      expect(local.items.find((p: { backupId: string }) => p.backupId === missing).providers).toEqual(['local']);
    } finally {
      await catalogQuery(`UPDATE backup_locations SET status = 'STORED' WHERE backup_id = $1 AND provider = 'b2'`, [missing]);
    }
  });

  describe('bad input and access', () => {
    let backupOfB: string;
    beforeAll(async () => {
      backupOfB = [...pointsOf[B]][0];
    });

    it('403 for a tenant token, 401 without one', async () => {
      await http().post('/api/super-admin/restore/tenant').send({ tenantId: A, backupId: backupOfB }).expect(401);
      const tenant = { Authorization: `Bearer ${env.tenantToken(A)}` };
      await http().post('/api/super-admin/restore/tenant').set(tenant).send({ tenantId: A, backupId: backupOfB }).expect(403);
      await http().get('/api/super-admin/restore/history').set(tenant).expect(403);
      await http().get(`/api/super-admin/restore/points/${A}`).set(tenant).expect(403);
    });

    it.each([
      ['tenant', { tenantId: 'x', backupId: randomUUID() }, 'tenantId'],
      ['tenant', { tenantId: A }, 'backupId'],
      ['tenant', { tenantId: A, backupId: randomUUID(), extra: 1 }, 'extra'],
      ['tenant', { tenantId: A, backupId: randomUUID(), mode: 'PARTIAL' }, 'mode'],
      ['tenant', { tenantId: A, backupId: randomUUID(), provider: 'ftp' }, 'provider'],
      ['tenant', { tenantId: A, backupId: randomUUID(), skipValidation: 'yes' }, 'skipValidation'],
      ['multiple', { pairs: [] }, 'pairs'],
      ['multiple', {}, 'pairs'],
      ['multiple', { pairs: [{ tenantId: A, backupId: 'x' }] }, 'backupId'],
      ['multiple', { pairs: [{ tenantId: A, backupId: randomUUID(), more: true }] }, 'more'],
      ['multiple', { pairs: [{ tenantId: A, backupId: randomUUID() }, { tenantId: A, backupId: randomUUID() }] }, 'pairs must not list a tenant twice'],
      ['all', { confirm: true, backupDate: 'yesterday' }, 'backupDate'],
      ['all', { confirm: true, backupDate: '2026-W47' }, 'backupDate'],
    ])('POST restore/%s %j answers 400 naming %s', async (path, body, field) => {
      const res = await http().post(`/api/super-admin/restore/${path}`).set(admin()).send(body).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(res.body.message).toContain(field);
    });

    it('400 for a backup of another tenant, a provider not configured or without a copy; 404 for unknown ids', async () => {
      const other = await http().post('/api/super-admin/restore/tenant').set(admin()).send({ tenantId: A, backupId: backupOfB }).expect(400);
      expect(other.body.message).toBe(`Backup ${backupOfB} does not belong to tenant ${A}`);
      const r2 = await http().post('/api/super-admin/restore/tenant').set(admin()).send({ tenantId: B, backupId: backupOfB, provider: 'r2' }).expect(400);
      expect(r2.body.message).toMatch(/provider must be one of the configured providers: local, b2/);
      await catalogQuery(`UPDATE backup_locations SET status = 'FAILED' WHERE backup_id = $1 AND provider = 'b2'`, [backupOfB]);
      try {
        const noCopy = await http().post('/api/super-admin/restore/tenant').set(admin()).send({ tenantId: B, backupId: backupOfB, provider: 'b2' }).expect(400);
        expect(noCopy.body.message).toBe(`Backup ${backupOfB} has no stored copy at provider b2`);
      } finally {
        await catalogQuery(`UPDATE backup_locations SET status = 'STORED' WHERE backup_id = $1 AND provider = 'b2'`, [backupOfB]);
      }
      const unknownBackup = randomUUID();
      const missing = await http().post('/api/super-admin/restore/tenant').set(admin()).send({ tenantId: A, backupId: unknownBackup }).expect(404);
      expect(missing.body.message).toBe(`Backup ${unknownBackup} not found`);
      await http().post('/api/super-admin/restore/tenant').set(admin()).send({ tenantId: randomUUID(), backupId: backupOfB }).expect(404);
      await http().post('/api/super-admin/restore/multiple').set(admin()).send({ pairs: [{ tenantId: B, backupId: unknownBackup }] }).expect(404);
      await http().post(`/api/super-admin/restore/validate/${unknownBackup}`).set(admin()).expect(404);
      await http().get(`/api/super-admin/restore/${randomUUID()}`).set(admin()).expect(404);
    });

    it('400 naming the parameter for malformed ids and queries', async () => {
      expect((await http().get('/api/super-admin/restore/not-a-uuid').set(admin()).expect(400)).body.message).toContain('restoreId');
      expect((await http().post('/api/super-admin/restore/validate/nope').set(admin()).expect(400)).body.message).toContain('backupId');
      expect((await http().post(`/api/super-admin/restore/validate/${backupOfB}?provider=ftp`).set(admin()).expect(400)).body.message).toContain('provider');
      expect((await http().get('/api/super-admin/restore/points/nope').set(admin()).expect(400)).body.message).toContain('tenantId');
      expect((await http().get('/api/super-admin/restore/history?tenantId=nope').set(admin()).expect(400)).body.message).toContain('tenantId');
      expect((await http().get('/api/super-admin/restore/history?limit=0').set(admin()).expect(400)).body.message).toContain('limit');
    });

    it('documents the routes in Swagger and audits restore requests', async () => {
      const spec = await http().get('/docs-json').expect(200);
      expect(Object.keys(spec.body.paths)).toEqual(
        expect.arrayContaining([
          '/api/super-admin/restore/validate/{backupId}',
          '/api/super-admin/restore/tenant',
          '/api/super-admin/restore/multiple',
          '/api/super-admin/restore/all',
          '/api/super-admin/restore/points/{tenantId}',
          '/api/super-admin/restore/history',
          '/api/super-admin/restore/{restoreId}',
        ]),
      );
      const { body } = await http().get('/api/super-admin/audit?action=restore.create').set(admin()).expect(200);
      expect(body.items.some((i: { outcome: string; targetType: string }) => i.outcome === 'SUCCESS' && i.targetType === 'restore')).toBe(true);
      expect(body.items.some((i: { outcome: string }) => i.outcome === 'REFUSED')).toBe(true);
      const { body: done } = await http().get('/api/super-admin/audit?action=restore.complete').set(admin()).expect(200);
      expect(done.items.some((i: { outcome: string }) => i.outcome === 'FAILURE')).toBe(true);
    });
  });

  describe('schema drift', () => {
    let backup: Backup;
    let atBackup: Record<string, TableHash>;

    beforeAll(async () => {
      backup = await backupAndWait(A);
      atBackup = await hashes(A);
    });

    it('restores into a schema that gained a nullable column', async () => {
      await platform.query('ALTER TABLE customers ADD COLUMN nickname text');
      try {
        await damage(A);
        const restored = await restore('tenant', { tenantId: A, backupId: backup.id });
        expect(restored.status).toBe('COMPLETED');
        expect(restored.rowsRestored).toEqual(backup.rowCounts);
        const { rows } = await platform.query(`SELECT count(*)::int AS n FROM customers WHERE tenant_id = $1 AND nickname IS NULL`, [A]);
        expect(rows[0].n).toBe(backup.rowCounts['public.customers']);
      } finally {
        await platform.query('ALTER TABLE customers DROP COLUMN nickname');
      }
      expect(await hashes(A)).toEqual(atBackup);
    });

    it('refuses a backup whose column was dropped since: validate names it, the restore fails, data unchanged', async () => {
      await platform.query('ALTER TABLE users DROP COLUMN bio');
      const before = await hashes(A);
      const { body } = await http().post(`/api/super-admin/restore/validate/${backup.id}`).set(admin()).expect(200);
      expect(body.valid).toBe(false);
      expect(body.problems.join('\n')).toMatch(/bio/);
      const failed = await restore('tenant', { tenantId: A, backupId: backup.id });
      expect(failed.status).toBe('FAILED');
      expect(failed.errorMessage).toMatch(/schema incompatible/);
      expect(failed.errorMessage).toMatch(/bio/);
      expect(failed.preRestoreBackupId).toBeNull();
      expect(await hashes(A)).toEqual(before);
    });
  });
});
