import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Client } from 'pg';
import request from 'supertest';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { BackupsService } from '../../src/modules/backups';
import { S3CompatibleAdapter } from '../../libs/storage';
import { extractTar, runCli } from '../support/backup-files';
import { DEMO_TENANTS } from '../../libs/demo-platform';
import { tableContentHashes } from '../support/table-hashes';
import { startTestEnvironment, TEST_ENCRYPTION_KEY, TestEnvironment } from '../support/test-app';
import { apiOf } from '../support/api';
import { waitFor } from '../support/wait-for';

const A = DEMO_TENANTS.A.id;
const B = DEMO_TENANTS.B.id;

describe('tenant backups over HTTP (real PostgreSQL, Redis, local disk and an S3 server)', () => {
  let env: TestEnvironment;
  let platform: Client;
  const http = () => request(env.app.getHttpServer());
  const admin = () => ({ Authorization: `Bearer ${env.superAdminToken}` });
  const cliEnv = () => ({ BACKUP_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, JWT_SECRET: env.config.jwtSecret, NODE_ENV: 'test', LOG_FORMAT: 'json' });

  async function backupAndWait(tenantId: string) {
    const created = await http().post(`/api/super-admin/backups/tenant/${tenantId}`).set(admin()).expect(202);
    return waitFor(`backup ${created.body.id} to finish`, async () => {
      const { body } = await http().get(`/api/super-admin/backups/${created.body.id}`).set(admin()).expect(200);
      return ['COMPLETED', 'FAILED'].includes(body.status) ? body : undefined;
    });
  }

  function s3Adapter() {
    const s3 = env.s3!;
    return new S3CompatibleAdapter({ name: 'b2', endpoint: s3.endpoint, region: s3.region, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });
  }

  async function catalogQuery(sql: string) {
    const catalog = new Client({ connectionString: env.catalog.url });
    await catalog.connect();
    try {
      return await catalog.query(sql);
    } finally {
      await catalog.end();
    }
  }

  async function readStream(stream: Readable): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  beforeAll(async () => {
    env = await startTestEnvironment({ s3: true });
    platform = new Client({ connectionString: env.platform.url });
    await platform.connect();
  });

  afterAll(async () => {
    await platform?.end();
    await env?.close();
  });

  describe('a completed backup of tenant A', () => {
    let backup: { id: string; status: string; sha256: string; locations: { provider: string; key: string; status: string; size: number }[]; rowCounts: Record<string, number> };
    let localObject: Buffer;

    beforeAll(async () => {
      backup = await backupAndWait(A);
      localObject = await readFile(join(env.localPath, backup.locations[0].key));
    });

    it('is stored with its sidecar at the local directory and in the S3 bucket, with the recorded sha256', async () => {
      expect(backup.status).toBe('COMPLETED');
      expect(backup.locations.map((l) => [l.provider, l.status])).toEqual([['b2', 'STORED'], ['local', 'STORED']]);
      const key = backup.locations[0].key;
      expect(key).toMatch(new RegExp(`^tenants/${A}/\\d{4}/\\d{2}/${backup.id}\\.tvb$`));
      const s3Object = await readStream(await s3Adapter().get(key));
      for (const bytes of [localObject, s3Object]) expect(createHash('sha256').update(bytes).digest('hex')).toBe(backup.sha256);

      const sidecarKey = key.replace(/\.tvb$/, '.manifest.json');
      const localSidecar = JSON.parse(await readFile(join(env.localPath, sidecarKey), 'utf8'));
      const s3Sidecar = JSON.parse((await readStream(await s3Adapter().get(sidecarKey))).toString('utf8'));
      expect(localSidecar).toEqual(s3Sidecar);
      expect(localSidecar).toMatchObject({ backupId: backup.id, tenantId: A, sha256: backup.sha256, status: 'COMPLETED' });
      expect(JSON.stringify(localSidecar)).not.toContain(TEST_ENCRYPTION_KEY);
    });

    it('stores bytes that are neither plaintext nor gzip', async () => {
      expect(localObject.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))).toBe(false);
      const { rows } = await platform.query<{ name: string }>(`select name from customers where tenant_id = $1`, [A]);
      expect(rows.length).toBeGreaterThan(0);
      const haystack = localObject.toString('latin1');
      for (const { name } of rows) expect(haystack).not.toContain(name);
      expect(haystack).not.toContain('manifest.json');
    });

    it('decrypts with the CLI to a tar whose row counts equal the tenant’s rows, without tenant B or global tables', async () => {
      const tarFile = join(tmpdir(), `tv-${backup.id}.tar`);
      await runCli(['decrypt', '--file', join(env.localPath, backup.locations[0].key), '--out', tarFile], cliEnv());
      const archive = await extractTar(tarFile);
      expect(archive.manifest.tenantId).toBe(A);

      const expected = await tableContentHashes(platform, { tenantId: A });
      const counted = Object.fromEntries(Object.entries(expected).map(([name, t]) => [name.replace(/"/g, ''), t.rows]));
      const archived = Object.fromEntries(Object.entries(archive.summary.tables).map(([name, t]) => [name, t.rows]));
      expect(archived).toEqual(counted);
      expect(backup.rowCounts).toEqual(counted);

      const globals = archive.manifest.globalTables;
      expect(globals.length).toBeGreaterThan(0);
      for (const g of globals) expect(Object.keys(archived)).not.toContain(g.replace(/"/g, ''));

      const { rows: bCustomers } = await platform.query<{ name: string }>(`select name from customers where tenant_id = $1`, [B]);
      for (const table of archive.manifest.tables) {
        const text = await archive.tableText(table.name);
        expect(text).not.toContain(B);
        for (const { name } of bCustomers) expect(text).not.toContain(name);
      }
    });

    it('refuses to decrypt with the wrong secret, or after a flipped byte or truncation, with a clear error', async () => {
      const source = join(env.localPath, backup.locations[0].key);
      const wrongKey = randomBytes(32).toString('base64');
      await expect(runCli(['decrypt', '--file', source, '--out', '-'], { ...cliEnv(), BACKUP_ENCRYPTION_KEY: wrongKey })).rejects.toMatchObject({
        stderr: expect.stringMatching(/key/i),
      });
      const flipped = Buffer.from(localObject);
      flipped[Math.floor(flipped.length / 2)] ^= 0x01;
      const flippedFile = join(tmpdir(), `tv-flipped-${backup.id}.tvb`);
      await writeFile(flippedFile, flipped);
      await expect(runCli(['decrypt', '--file', flippedFile, '--out', '-'], cliEnv())).rejects.toMatchObject({ stderr: expect.stringMatching(/authenticat|tamper/i) });
      const truncatedFile = join(tmpdir(), `tv-truncated-${backup.id}.tvb`);
      await writeFile(truncatedFile, localObject.subarray(0, localObject.length - 100));
      await expect(runCli(['decrypt', '--file', truncatedFile, '--out', '-'], cliEnv())).rejects.toMatchObject({ stderr: expect.stringMatching(/truncat|tamper|authenticat/i) });
      expect(JSON.stringify(await runCli(['decrypt', '--file', flippedFile, '--out', '-'], { ...cliEnv(), BACKUP_ENCRYPTION_KEY: wrongKey }).catch((e) => e.stderr))).not.toContain(wrongKey);
    });

    it('verify finds a flipped copy, repairs it from the intact one, and reports both', async () => {
      const api = apiOf(env);
      const ok = await api.verifyAndWait(`/api/super-admin/backups/${backup.id}/verify`);
      expect(ok).toMatchObject({ status: 'COMPLETED', verified: 1, failed: 0 });
      expect(ok.checks.items.map((c) => c.outcome)).toEqual(['OK', 'OK']);

      const file = join(env.localPath, backup.locations[0].key);
      const flipped = Buffer.from(localObject);
      flipped[flipped.length - 40] ^= 0x80;
      await writeFile(file, flipped);
      const result = await api.verifyAndWait(`/api/super-admin/backups/${backup.id}/verify`);
      const byProvider = Object.fromEntries(result.checks.items.map((c) => [c.provider, c]));
      expect(byProvider.local).toMatchObject({ outcome: 'DAMAGED', repair: 'REPAIRED', repairedFrom: 'b2', error: expect.stringMatching(/\S/) });
      expect(byProvider.b2).toMatchObject({ outcome: 'OK' });
      expect(await readFile(file)).toEqual(localObject);
      const one = await api.verifyAndWait(`/api/super-admin/backups/${backup.id}/verify?provider=b2`);
      expect(one.checks.items.map((c) => [c.provider, c.outcome])).toEqual([['b2', 'OK']]);
      const { body } = await http().get(`/api/super-admin/backups/${backup.id}`).set(admin()).expect(200);
      expect(body.verificationStatus).toBe('VERIFIED');
    });

    it('lists the tenant’s backups newest first with pagination', async () => {
      const { body } = await http().get(`/api/super-admin/backups/tenant/${A}?limit=1&offset=0`).set(admin()).expect(200);
      expect(body.total).toBeGreaterThanOrEqual(1);
      expect(body.items).toHaveLength(1);
      expect(body.items[0].tenantId).toBe(A);
    });
  });

  it('completes with degraded redundancy while the S3 server is down, and replication fills the copy when it is back', async () => {
    await env.s3!.stop();
    let backup;
    try {
      backup = await backupAndWait(B);
    } finally {
      await env.s3!.start();
    }
    expect(backup.status).toBe('COMPLETED');
    const b2 = backup.locations.find((l: { provider: string }) => l.provider === 'b2');
    expect(b2.status).toBe('FAILED');
    expect(backup.locations.find((l: { provider: string }) => l.provider === 'local').status).toBe('STORED');

    const healed = await waitFor('replication to store the b2 copy', async () => {
      const { body } = await http().get(`/api/super-admin/backups/${backup.id}`).set(admin()).expect(200);
      return body.locations.every((l: { status: string }) => l.status === 'STORED') ? body : undefined;
    });
    const copy = await readStream(await s3Adapter().get(b2.key));
    expect(createHash('sha256').update(copy).digest('hex')).toBe(healed.sha256);
    await s3Adapter().head(b2.key.replace(/\.tvb$/, '.manifest.json')).then((info) => expect(info).not.toBeNull());
  });

  it('answers 409 to a second backup of a tenant while one is running', async () => {
    const first = await http().post(`/api/super-admin/backups/tenant/${A}`).set(admin()).expect(202);
    const second = await http().post(`/api/super-admin/backups/tenant/${A}`).set(admin()).expect(409);
    expect(second.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
    expect(second.body.message).toContain(first.body.id);
    await waitFor('first backup to finish', async () => {
      const { body } = await http().get(`/api/super-admin/backups/${first.body.id}`).set(admin());
      return body.status === 'COMPLETED' || undefined;
    });
    const third = await http().post(`/api/super-admin/backups/tenant/${A}`).set(admin()).expect(202);
    await waitFor('third backup to finish', async () => {
      const { body } = await http().get(`/api/super-admin/backups/${third.body.id}`).set(admin());
      return body.status === 'COMPLETED' || undefined;
    });
  });

  it('two scheduler replicas enqueueing the same day produce one backup per active tenant', async () => {
    // The second replica shares the first's catalog, platform database and queues.
    const day = new Date('2031-01-02T01:00:00Z');
      const one = env.app.get(BackupsService);
      const other = await import('../../src/app.factory').then(({ createBackgroundApp }) => createBackgroundApp({ ...env.config, role: 'scheduler' }, false));
      try {
        const results = await Promise.all([one.enqueueScheduled(day), other.get(BackupsService).enqueueScheduled(day)]);
        const accepted = results.flatMap((r) => r.accepted.map((b) => b.tenantId));
        const active = (await platform.query<{ id: string }>(`select id from tenants where status = 'active'`)).rows.map((r) => r.id);
        expect([...accepted].sort()).toEqual([...active].sort());
        const { rows } = await catalogQuery(`select tenant_id, count(*)::int as n from backup_records where idempotency_key like 'daily:2031-01-02:%' group by tenant_id`);
        expect(rows).toHaveLength(active.length);
        expect(rows.every((r) => r.n === 1)).toBe(true);
      } finally {
        await other.close();
      }
  });

  describe('bad input and access', () => {
    it('401 without a token, 403 for a tenant token on admin routes', async () => {
      const none = await http().post(`/api/super-admin/backups/tenant/${A}`).expect(401);
      expect(none.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      await http().get(`/api/super-admin/backups/tenant/${A}`).set({ Authorization: 'Bearer not-a-jwt' }).expect(401);
      const tenant = await http().post(`/api/super-admin/backups/tenant/${A}`).set({ Authorization: `Bearer ${env.tenantToken(A)}` }).expect(403);
      expect(tenant.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    });

    it('400 naming the field for a malformed uuid, 404 for an unknown tenant or backup', async () => {
      const bad = await http().post('/api/super-admin/backups/tenant/not-a-uuid').set(admin()).expect(400);
      expect(bad.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(bad.body.message).toContain('tenantId');
      const badBackup = await http().get('/api/super-admin/backups/123').set(admin()).expect(400);
      expect(badBackup.body.message).toContain('backupId');
      const badProvider = await http().post(`/api/super-admin/backups/${A}/verify?provider=ftp`).set(admin()).expect(400);
      expect(badProvider.body.message).toContain('provider');
      const badBody = await http().post('/api/super-admin/backups/tenants').set(admin()).send({ tenantIds: ['x'], extra: 1 }).expect(400);
      expect(badBody.body.message).toMatch(/extra|tenantIds/);
      await http().post('/api/super-admin/backups/tenant/0f9c3c0e-5b6e-4c1e-9d7a-2b1f0c9e8d7a').set(admin()).expect(404);
      await http().get('/api/super-admin/backups/0f9c3c0e-5b6e-4c1e-9d7a-2b1f0c9e8d7a').set(admin()).expect(404);
    });

    it('never lets a tenant id like ../../etc reach a storage key', async () => {
      for (const id of ['..%2F..%2Fetc', '..', '%2e%2e']) {
        const res = await http().post(`/api/super-admin/backups/tenant/${id}`).set(admin());
        expect([400, 404]).toContain(res.status);
      }
      const { rows } = await catalogQuery(`select key from backup_locations where key like '%..%'`);
      expect(rows).toEqual([]);
    });
  });

  it('serves Swagger and readiness', async () => {
    const ready = await http().get('/health/ready').expect(200);
    expect(ready.body.status).toBe('ok');
    expect(Object.keys(ready.body.info)).toEqual(expect.arrayContaining(['catalog_database', 'redis', 'storage_local', 'storage_b2']));
    const spec = await http().get('/docs-json').expect(200);
    expect(Object.keys(spec.body.paths)).toEqual(expect.arrayContaining(['/api/super-admin/backups/tenant/{tenantId}', '/api/super-admin/backups/{backupId}/verify', '/api/super-admin/storage/status']));
    const status = await http().get('/api/super-admin/storage/status').set(admin()).expect(200);
    expect(status.body.providers.map((p: { provider: string; reachable: boolean }) => [p.provider, p.reachable])).toEqual([['local', true], ['b2', true]]);
  });

  it('writes an audit record for operations that change something', async () => {
    const { body } = await http().get('/api/super-admin/audit?action=backup.create').set(admin()).expect(200);
    expect(body.items.length).toBeGreaterThan(0);
    expect(body.items[0]).toMatchObject({ actor: 'test-admin', action: 'backup.create', targetType: 'backup' });
    // Requests refused for bad input are audited too, as REFUSED.
    expect(body.items.some((i: { outcome: string }) => i.outcome === 'REFUSED')).toBe(true);
  });
});
