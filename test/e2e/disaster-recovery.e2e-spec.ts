import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Client } from 'pg';
import request from 'supertest';
import { S3CompatibleAdapter } from '../../libs/storage';
import { runCli } from '../support/backup-files';
import { DEMO_TENANTS } from '../../libs/demo-platform';
import { sequenceValues, tableContentHashes } from '../support/table-hashes';
import { startTestEnvironment, TEST_ENCRYPTION_KEY, TestEnvironment } from '../support/test-app';
import { createTestDatabase, databaseUrl, TestDatabase, withAdminClient } from '../support/test-database';
import { apiOf } from '../support/api';
import { waitFor } from '../support/wait-for';
import { DisasterBackupsService } from '../../src/modules/disaster-recovery';

const GIT_COMMIT = 'a'.repeat(40);
const TARGET_PASSWORD = 'target-secret-pw';

interface BackupBody {
  id: string;
  status: string;
  sha256: string;
  storedBytes: number;
  errorMessage?: string;
  locations: { provider: string; key: string; status: string; size: number }[];
}

describe('disaster recovery (real PostgreSQL, pg_dump/pg_restore, Redis, local disk and an S3 server)', () => {
  let env: TestEnvironment;
  let configDir: string;
  let configFiles: string[];
  const databases: TestDatabase[] = [];
  const http = () => request(env.app.getHttpServer());
  const admin = () => ({ Authorization: `Bearer ${env.superAdminToken}` });

  async function newDatabase(template?: 'platform'): Promise<TestDatabase> {
    const db = await createTestDatabase(template, 'dr');
    databases.push(db);
    return db;
  }

  /** The URL with a password, which trust authentication ignores: it must never come back in a response. */
  function withPassword(url: string): string {
    const parsed = new URL(url);
    parsed.password = TARGET_PASSWORD;
    return parsed.toString();
  }

  async function query<T extends object>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  }

  const fingerprint = (url: string) => query(url, async (c) => ({ tables: await tableContentHashes(c), sequences: await sequenceValues(c) }));
  const relationCount = (url: string) => query(url, async (c) => (await c.query<{ n: number }>(`select count(*)::int as n from pg_class where relnamespace = 'public'::regnamespace`)).rows[0]);

  async function waitForBackup(http: () => request.Agent, auth: Record<string, string>, id: string): Promise<BackupBody> {
    return waitFor(`disaster backup ${id} to finish`, async () => {
      const { body } = await http().get(`/api/super-admin/backups/disaster/${id}`).set(auth).expect(200);
      return ['COMPLETED', 'FAILED'].includes(body.status) ? (body as BackupBody) : undefined;
    });
  }

  function s3Adapter(e: TestEnvironment) {
    const s3 = e.s3!;
    return new S3CompatibleAdapter({ name: 'b2', endpoint: s3.endpoint, region: s3.region, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });
  }

  async function readStream(stream: Readable): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async function keysUnder(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isFile()).map((e) => e.name);
  }

  beforeAll(async () => {
    configDir = await mkdtemp(join(tmpdir(), 'tv-dr-config-'));
    configFiles = [join(configDir, 'docker-compose.yml'), join(configDir, 'platform.env')];
    await writeFile(configFiles[0], 'services:\n  api:\n    image: platform:1.4.2\n    environment:\n      TZ: "Europe/Zürich"\n');
    await writeFile(configFiles[1], Buffer.concat([Buffer.from('DATABASE_PASSWORD=hunter2\nBINARY='), randomBytes(64), Buffer.from('\n')]));
    env = await startTestEnvironment({ s3: true, env: { DISASTER_CONFIG_PATHS: configFiles.join(','), GIT_COMMIT } });
  });

  afterAll(async () => {
    await env?.close();
    await Promise.all(databases.map((db) => db.drop()));
    await rm(configDir, { recursive: true, force: true });
  });

  describe('a disaster backup taken through the API', () => {
    let backup: BackupBody;

    beforeAll(async () => {
      const created = await http().post('/api/super-admin/backups/disaster').set(admin()).expect(202);
      expect(created.body).toMatchObject({ type: 'DISASTER', status: 'PENDING' });
      expect(created.body.tenantId).toBeUndefined();
      await http().post('/api/super-admin/backups/disaster').set(admin()).expect(409);
      backup = await waitForBackup(http, admin(), created.body.id);
    });

    it('completes with the object and its sidecar at the local directory and in the S3 bucket', async () => {
      expect(backup.status).toBe('COMPLETED');
      expect(backup.locations.map((l) => [l.provider, l.status])).toEqual([['b2', 'STORED'], ['local', 'STORED']]);
      const key = backup.locations[0].key;
      expect(key).toMatch(new RegExp(`^disaster/\\d{4}/\\d{2}/${backup.id}\\.tvb$`));
      const local = await readFile(join(env.localPath, key));
      const remote = await readStream(await s3Adapter(env).get(key));
      for (const bytes of [local, remote]) expect(createHash('sha256').update(bytes).digest('hex')).toBe(backup.sha256);

      const sidecarKey = key.replace(/\.tvb$/, '.manifest.json');
      const sidecar = JSON.parse(await readFile(join(env.localPath, sidecarKey), 'utf8'));
      expect(JSON.parse((await readStream(await s3Adapter(env).get(sidecarKey))).toString('utf8'))).toEqual(sidecar);
      expect(sidecar).toMatchObject({ backupId: backup.id, type: 'DISASTER', tenantId: null, sha256: backup.sha256, storedBytes: backup.storedBytes, status: 'COMPLETED' });
      // Encrypted: neither the config files nor the dump can be read from the object.
      expect(local.toString('latin1')).not.toContain('hunter2');
      expect(local.toString('latin1')).not.toContain('PGDMP');
    });

    it('is listed newest first and found by id, and is neither reachable nor mistaken as a tenant backup', async () => {
      const list = await http().get('/api/super-admin/backups/disaster?limit=1').set(admin()).expect(200);
      expect(list.body).toMatchObject({ total: 1, limit: 1, offset: 0 });
      expect(list.body.items[0].id).toBe(backup.id);
      await http().get(`/api/super-admin/backups/${backup.id}`).set(admin()).expect(404);
      await http().get('/api/super-admin/backups/disaster/not-a-uuid').set(admin()).expect(400);
      await http().get('/api/super-admin/backups/disaster/0f9c3c0e-5b6e-4c1e-9d7a-2b1f0c9e8d7a').set(admin()).expect(404);
      await http().get('/api/super-admin/backups/disaster').set({ Authorization: `Bearer ${env.tenantToken(DEMO_TENANTS.A.id)}` }).expect(403);
    });

    it('verifies at every provider, or at one', async () => {
      const api = apiOf(env);
      const all = await api.verifyAndWait(`/api/super-admin/backups/disaster/${backup.id}/verify`);
      expect(all).toMatchObject({ status: 'COMPLETED', total: 1, verified: 1, failed: 0 });
      expect(all.checks.items.map((c) => [c.provider, c.outcome]).sort()).toEqual([['b2', 'OK'], ['local', 'OK']]);
      const one = await api.verifyAndWait(`/api/super-admin/backups/disaster/${backup.id}/verify?provider=b2`);
      expect(one.checks.items.map((c) => [c.provider, c.outcome])).toEqual([['b2', 'OK']]);
    });

    it('refuses a restore without confirm with 400 naming confirm, leaving the target untouched', async () => {
      const target = await newDatabase();
      const res = await http().post('/api/super-admin/restore/disaster').set(admin()).send({ backupId: backup.id, targetDatabaseUrl: withPassword(target.url) }).expect(400);
      expect(res.body.message).toContain('confirm');
      const falsy = await http().post('/api/super-admin/restore/disaster').set(admin()).send({ backupId: backup.id, targetDatabaseUrl: target.url, confirm: false }).expect(400);
      expect(falsy.body.message).toContain('confirm');
      const badUrl = await http().post('/api/super-admin/restore/disaster').set(admin()).send({ backupId: backup.id, targetDatabaseUrl: 'mysql://x', confirm: true }).expect(400);
      expect(badUrl.body.message).toContain('targetDatabaseUrl');
      expect(JSON.stringify([res.body, falsy.body, badUrl.body])).not.toContain(TARGET_PASSWORD);
      expect(await relationCount(target.url)).toEqual({ n: 0 });
    });

    it('refuses a non-empty target with 409, an unreachable one with 400, and the catalog itself', async () => {
      const target = await newDatabase('platform');
      const before = await fingerprint(target.url);
      const res = await http().post('/api/super-admin/restore/disaster').set(admin()).send({ backupId: backup.id, targetDatabaseUrl: withPassword(target.url), confirm: true }).expect(409);
      expect(res.body.message).toMatch(/not empty.*cleanTarget/);
      expect(await fingerprint(target.url)).toEqual(before);

      const missing = withPassword(databaseUrl('tv_test_dr_never_created'));
      const unreachable = await http().post('/api/super-admin/restore/disaster').set(admin()).send({ backupId: backup.id, targetDatabaseUrl: missing, confirm: true }).expect(400);
      expect(unreachable.body.message).toMatch(/targetDatabaseUrl: cannot connect .*does not exist/);
      await http().post('/api/super-admin/restore/disaster').set(admin()).send({ backupId: backup.id, targetDatabaseUrl: env.catalog.url, confirm: true, cleanTarget: true }).expect(400);
      expect(JSON.stringify([res.body, unreachable.body])).not.toContain(TARGET_PASSWORD);
    });

    it('restores into a new empty database: every table of every schema and every sequence equal the source', async () => {
      const target = await newDatabase();
      const started = Date.now();
      const created = await http().post('/api/super-admin/restore/disaster').set(admin()).send({ backupId: backup.id, targetDatabaseUrl: withPassword(target.url), confirm: true, provider: 'b2' }).expect(202);
      expect(created.body).toMatchObject({ backupId: backup.id, status: 'PENDING', cleanTarget: false });
      expect(created.body.target).toBe(withPassword(target.url).replace(TARGET_PASSWORD, '***'));
      const done = await waitFor('disaster restore to finish', async () => {
        const { body } = await http().get(`/api/super-admin/restore/disaster/${created.body.id}`).set(admin()).expect(200);
        return ['COMPLETED', 'FAILED'].includes(body.status) ? body : undefined;
      });
      console.log(`API disaster restore of the fixture platform: ${Date.now() - started} ms`);
      expect(done).toMatchObject({ status: 'COMPLETED', progress: 100, provider: 'b2' });
      expect(done.dumpBytes).toBeGreaterThan(0);

      const source = await fingerprint(env.platform.url);
      expect(Object.keys(source.tables).length).toBeGreaterThan(10);
      expect(await fingerprint(target.url)).toEqual(source);

      const list = await http().get('/api/super-admin/restore/disaster').set(admin()).expect(200);
      expect(list.body.items.map((r: { id: string }) => r.id)).toContain(created.body.id);
      const audit = await http().get('/api/super-admin/audit?action=disaster-restore.create').set(admin()).expect(200);
      expect(audit.body.items.length).toBeGreaterThan(0);
      expect(JSON.stringify([list.body, audit.body])).not.toContain(TARGET_PASSWORD);
    });

    it('restores over a non-empty target with cleanTarget', async () => {
      const target = await newDatabase('platform');
      await query(target.url, (c) => c.query(`update customers set name = 'changed since'`));
      const created = await http().post('/api/super-admin/restore/disaster').set(admin()).send({ backupId: backup.id, targetDatabaseUrl: target.url, confirm: true, cleanTarget: true }).expect(202);
      const done = await waitFor('clean restore to finish', async () => {
        const { body } = await http().get(`/api/super-admin/restore/disaster/${created.body.id}`).set(admin()).expect(200);
        return ['COMPLETED', 'FAILED'].includes(body.status) ? body : undefined;
      });
      expect(done.status).toBe('COMPLETED');
      expect((await fingerprint(target.url)).tables).toEqual((await fingerprint(env.platform.url)).tables);
    });

    it('verifies every recent backup, tenant and disaster, and reports their verification state', async () => {
      const tenant = await http().post(`/api/super-admin/backups/tenant/${DEMO_TENANTS.A.id}`).set(admin()).expect(202);
      await waitFor('tenant backup', async () => (await http().get(`/api/super-admin/backups/${tenant.body.id}`).set(admin())).body.status === 'COMPLETED' || undefined);

      const verified = await apiOf(env).verifyAndWait('/api/super-admin/storage/verify');
      expect(verified).toMatchObject({ status: 'COMPLETED', total: 2, verified: 2, failed: 0 });
      expect([...new Set(verified.checks.items.map((c) => c.backupId))].sort()).toEqual([backup.id, tenant.body.id].sort());

      const state = await http().get('/api/super-admin/storage/verification?days=7&limit=1').set(admin()).expect(200);
      expect(state.body).toMatchObject({ total: 2, limit: 1, counts: { VERIFIED: 2, FAILED: 0, UNVERIFIED: 0 } });
      expect(state.body.items[0].locations.every((l: { verificationStatus: string; verifiedAt: string }) => l.verificationStatus === 'VERIFIED' && l.verifiedAt)).toBe(true);
      const bad = await http().get('/api/super-admin/storage/verification?days=400').set(admin()).expect(400);
      expect(bad.body.message).toContain('days');
    });

    it('the nightly cron on two replicas enqueues one disaster backup for the night', async () => {
      const day = new Date('2031-01-02T02:00:00Z');
      const service = env.app.get(DisasterBackupsService);
      const results = await Promise.all([service.enqueueScheduled(day), service.enqueueScheduled(day)]);
      const enqueued = results.filter((r) => r !== null);
      expect(enqueued).toHaveLength(1);
      expect(await service.enqueueScheduled(day)).toBeNull();
      const nightly = await waitForBackup(http, admin(), enqueued[0]!.id);
      expect(nightly.status).toBe('COMPLETED');
    });

    it('documents its routes in Swagger', async () => {
      const { body } = await http().get('/docs-json').expect(200);
      expect(Object.keys(body.paths)).toEqual(
        expect.arrayContaining([
          '/api/super-admin/backups/disaster',
          '/api/super-admin/backups/disaster/{backupId}',
          '/api/super-admin/backups/disaster/{backupId}/verify',
          '/api/super-admin/restore/disaster',
          '/api/super-admin/restore/disaster/{restoreId}',
          '/api/super-admin/storage/verify',
          '/api/super-admin/storage/verification',
        ]),
      );
    });

    describe('when the catalog is lost too: the CLI with storage credentials and the key alone', () => {
      let catalog: TestDatabase;
      const cliEnv = () => {
        const s3 = env.s3!;
        return { NODE_ENV: 'production', LOG_FORMAT: 'json', BACKUP_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, DATABASE_URL: catalog.url, B2_ENDPOINT_URL: s3.endpoint, B2_BUCKET_NAME: s3.bucket, B2_ACCESS_KEY_ID: s3.accessKeyId, B2_SECRET_ACCESS_KEY: s3.secretAccessKey, B2_REGION: s3.region };
      };

      beforeAll(async () => {
        catalog = await newDatabase(); // a fresh, empty catalog database: nothing of the old one survives
      });

      it('catalog rebuild --provider b2 records the disaster and tenant backups found in the bucket, idempotently', async () => {
        const first = await runCli(['catalog', 'rebuild', '--provider', 'b2'], cliEnv());
        expect(first.stdout).toMatch(/b2: \d+ backups found, \d+ added/);
        const again = await runCli(['catalog', 'rebuild', '--provider', 'b2'], cliEnv());
        expect(again.stdout).toMatch(/b2: \d+ backups found, 0 added to the catalog, 0 copies added/);

        const rebuilt = await query(catalog.url, async (c) => (await c.query(`select r.id, r.type, r.tenant_id, r.status, r.sha256, l.provider, l.key, l.status as location_status from backup_records r join backup_locations l on l.backup_id = r.id`)).rows);
        const original = await query(env.catalog.url, async (c) => (await c.query(`select id, type, tenant_id, sha256 from backup_records where status = 'COMPLETED'`)).rows);
        expect(original.some((r) => r.type === 'TENANT')).toBe(true);
        expect(rebuilt).toHaveLength(original.length);
        for (const record of original) {
          expect(rebuilt).toContainEqual(expect.objectContaining({ id: record.id, type: record.type, tenant_id: record.tenant_id, sha256: record.sha256, status: 'COMPLETED', provider: 'b2', location_status: 'STORED' }));
        }
      });

      it('dr list --provider b2 reads the b2 bucket even when a catalog answers; without --provider, the catalog, else the primary bucket', async () => {
        const expected = (await http().get('/api/super-admin/backups/disaster').set(admin()).expect(200)).body.items.filter((b: BackupBody) => b.status === 'COMPLETED').map((b: BackupBody) => b.id);
        const fromBucket = await runCli(['dr', 'list', '--provider', 'b2', '--json'], cliEnv());
        expect(fromBucket.stderr).toContain('from the sidecars in the b2 bucket');
        expect(JSON.parse(fromBucket.stdout).map((b: { backupId: string }) => b.backupId)).toEqual(expected);

        const fromCatalog = await runCli(['dr', 'list', '--json'], { ...cliEnv(), STORAGE_PROVIDERS: 'b2' });
        expect(fromCatalog.stderr).toContain('from the catalog at');
        expect(JSON.parse(fromCatalog.stdout).map((b: { backupId: string }) => b.backupId)).toEqual(expected);

        const catalogGone = await runCli(['dr', 'list'], { ...cliEnv(), STORAGE_PROVIDERS: 'b2', DATABASE_URL: databaseUrl('tv_test_dr_catalog_gone') });
        expect(catalogGone.stderr).toContain('from the sidecars in the b2 bucket (no catalog');
        expect(catalogGone.stdout.trim().split('\n').map((line) => line.split(/\s+/)[0])).toEqual(expected);
      });

      it('dr restore --latest brings the platform back into a new database and writes the configuration bundle byte for byte', async () => {
        const target = await newDatabase();
        const out = join(configDir, 'extracted');
        const started = Date.now();
        const { stdout } = await runCli(['dr', 'restore', '--latest', '--target', withPassword(target.url), '--provider', 'b2', '--extract-config', out], cliEnv());
        console.log(`CLI disaster restore of the fixture platform: ${Date.now() - started} ms\n${stdout}`);
        expect(stdout).toContain(`at commit ${GIT_COMMIT}`);
        expect(stdout).not.toContain(TARGET_PASSWORD);
        expect(await fingerprint(target.url)).toEqual(await fingerprint(env.platform.url));

        const manifest = JSON.parse(await readFile(join(out, 'disaster-manifest.json'), 'utf8'));
        expect(manifest.configFiles.map((f: { path: string }) => f.path)).toEqual(configFiles);
        for (const file of manifest.configFiles as { path: string; entry: string }[]) {
          expect(await readFile(join(out, file.entry.replace(/^config\//, '')))).toEqual(await readFile(file.path));
        }
        expect(manifest).toMatchObject({ tenantvault: { gitCommit: GIT_COMMIT }, source: { database: env.platform.name }, dump: { tool: 'pg_dump', format: 'custom' } });
      });

      it('refuses a non-empty target without --clean, and explains what to give', async () => {
        const target = await newDatabase('platform');
        await expect(runCli(['dr', 'restore', '--latest', '--target', target.url, '--provider', 'b2'], cliEnv())).rejects.toMatchObject({ stderr: expect.stringMatching(/not empty/) });
        await expect(runCli(['dr', 'restore', '--target', target.url, '--provider', 'b2'], cliEnv())).rejects.toMatchObject({ stderr: expect.stringMatching(/--latest or --backup/) });
        await expect(runCli(['dr', 'list', '--provider', 'b2'], { ...cliEnv(), BACKUP_ENCRYPTION_KEY: '' })).rejects.toMatchObject({ stderr: expect.stringMatching(/BACKUP_ENCRYPTION_KEY is required/) });
      });
    });
  });

  describe('a failing pg_dump', () => {
    const role = `tv_test_dr_noaccess_${randomBytes(3).toString('hex')}`;
    const password = 'wrong-secret-pw';

    beforeAll(async () => {
      await withAdminClient((c) => c.query(`CREATE ROLE ${role} LOGIN`));
    });

    afterAll(async () => {
      await withAdminClient((c) => c.query(`DROP ROLE IF EXISTS ${role}`));
    });

    /** A second service whose SOURCE_DATABASE_URL is broken; everything else as usual. */
    async function failedBackupWith(sourceUrl: (platform: TestDatabase) => string, s3: boolean) {
      const platform = await newDatabase('platform');
      const broken = await startTestEnvironment({ s3, env: { SOURCE_DATABASE_URL: sourceUrl(platform), DISASTER_CONFIG_PATHS: configFiles.join(',') } });
      try {
        const brokenHttp = () => request(broken.app.getHttpServer());
        const auth = { Authorization: `Bearer ${broken.superAdminToken}` };
        const created = await brokenHttp().post('/api/super-admin/backups/disaster').set(auth).expect(202);
        const failed = await waitForBackup(brokenHttp, auth, created.body.id);
        const list = await brokenHttp().get('/api/super-admin/backups/disaster').set(auth).expect(200);
        const remote = broken.s3 ? await (async () => {
          const keys: string[] = [];
          for await (const info of s3Adapter(broken).list('disaster/')) keys.push(info.key);
          return keys;
        })() : [];
        return { failed, statuses: list.body.items.map((b: BackupBody) => b.status), local: await keysUnder(join(broken.localPath, 'disaster')), remote };
      } finally {
        await broken.close();
      }
    }

    it('a user without access to the tables: FAILED with PostgreSQL’s reason, nothing stored anywhere', async () => {
      const { failed, statuses, local, remote } = await failedBackupWith((p) => `postgresql://${role}:${password}@127.0.0.1:5432/${p.name}`, true);
      expect(failed.status).toBe('FAILED');
      // The snapshot's row counts are read before pg_dump starts: the refusal comes from there.
      expect(failed.errorMessage).toMatch(/permission denied for/);
      expect(failed.errorMessage).not.toContain(password);
      expect(failed.locations.every((l) => l.status !== 'STORED')).toBe(true);
      expect(statuses).toEqual(['FAILED']);
      expect(local).toEqual([]);
      expect(remote).toEqual([]);
    });

    it('cannot reach the database (it does not exist): FAILED with the reason, password redacted', async () => {
      const { failed, local } = await failedBackupWith(() => `postgresql://postgres:${password}@127.0.0.1:5432/tv_test_dr_no_such_db`, false);
      expect(failed.status).toBe('FAILED');
      expect(failed.errorMessage).toMatch(/tv_test_dr_no_such_db.*does not exist/);
      expect(failed.errorMessage).not.toContain(password);
      expect(local).toEqual([]);
    });
  });
});
