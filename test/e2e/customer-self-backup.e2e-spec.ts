import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import request from 'supertest';
import type { CustomerExportManifest } from '../../libs/customer-export';
import { DEMO_TENANTS } from '../../libs/demo-platform';
import { customerExportKey, sidecarKeyFor } from '../../libs/storage';
import { DomainEvent, DomainEvents } from '../../src/common/domain-events';
import { CustomerExportExpiry } from '../../src/modules/customer-self-backup';
import { runCli } from '../support/backup-files';
import { psqlFile, readCsv, unzipInto, zipEntryNames } from '../support/customer-export-files';
import { tableContentHashes } from '../support/table-hashes';
import { createTestDatabase } from '../support/test-database';
import { startTestEnvironment, TEST_ENCRYPTION_KEY, TestEnvironment } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const run = promisify(execFile);
const { A, B, C } = DEMO_TENANTS;

/** Tenant A's rows per table, written by hand from the demo schema rather than derived from the tenant graph. */
const TENANT_ROW_COUNTS: Record<string, string> = {
  'public.tenants': 'SELECT count(*) FROM tenants WHERE id = $1',
  'public.tenant_settings': 'SELECT count(*) FROM tenant_settings WHERE tenant_id = $1',
  'public.tenant_features': 'SELECT count(*) FROM tenant_features WHERE tenant_id = $1',
  'public.tenant_domains': 'SELECT count(*) FROM tenant_domains WHERE owner_tenant = $1',
  'public.users': 'SELECT count(*) FROM users WHERE tenant_id = $1',
  'public.categories': 'SELECT count(*) FROM categories WHERE tenant_id = $1',
  'public.customers': 'SELECT count(*) FROM customers WHERE tenant_id = $1',
  'public.invoices': 'SELECT count(*) FROM invoices WHERE tenant_id = $1',
  'public.invoice_items': 'SELECT count(*) FROM invoice_items ii JOIN invoices i ON i.id = ii.invoice_id WHERE i.tenant_id = $1',
  'public.item_adjustments': 'SELECT count(*) FROM item_adjustments a JOIN invoices i ON i.id = a.invoice_id WHERE i.tenant_id = $1',
  'public.activity_log': 'SELECT count(*) FROM activity_log WHERE tenant_id = $1',
  'billing.payments': 'SELECT count(*) FROM billing.payments WHERE tenant_id = $1',
  'billing.refunds': 'SELECT count(*) FROM billing.refunds r JOIN billing.payments p ON p.id = r.payment_id WHERE p.tenant_id = $1',
};

interface ExportView {
  id: string;
  status: string;
  progress: number;
  createdAt: string;
  expiresAt: string;
  downloadable: boolean;
  downloadUrl?: string;
  sizeBytes?: number;
  rowCounts?: Record<string, number>;
  downloadCount: number;
  lastDownloadedAt?: string;
  expiredAt?: string;
}

/** Collects a binary body whatever its content type. */
function binary(res: request.Response, done: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  const stream = res as unknown as NodeJS.ReadableStream;
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
}

/** Microseconds since the epoch of an ISO 8601 UTC timestamp (`Z` or `+00:00`), or ±Infinity. */
function micros(value: string): number {
  if (value === 'infinity' || value === '-infinity') return value === 'infinity' ? Infinity : -Infinity;
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(?:Z|\+00:00)$/.exec(value);
  if (!match) throw new Error(`not an ISO 8601 UTC timestamp: ${value}`);
  return Date.parse(`${match[1]}Z`) * 1000 + Number((match[2] ?? '').padEnd(6, '0'));
}

describe('customer self-backup over HTTP (real PostgreSQL, Redis and local disk)', () => {
  let env: TestEnvironment;
  let platform: Client;
  let work: string;
  const events: DomainEvent[] = [];
  const http = () => request(env.app.getHttpServer());
  const asTenant = (tenantId: string) => ({ Authorization: `Bearer ${env.tenantToken(tenantId)}` });
  const admin = () => ({ Authorization: `Bearer ${env.superAdminToken}` });

  async function latest(tenantId: string): Promise<ExportView | null> {
    const { body } = await http().get('/api/tenant/backup/status').set(asTenant(tenantId)).expect(200);
    return body.latest;
  }

  async function createAndWait(tenantId: string): Promise<ExportView> {
    const created = await http().post('/api/tenant/backup/create').set(asTenant(tenantId)).expect(202);
    expect(created.body).toMatchObject({ status: 'PENDING', downloadable: false });
    return waitFor(`export ${created.body.id} to finish`, async () => {
      const view = await latest(tenantId);
      return view && view.id === created.body.id && ['COMPLETED', 'FAILED'].includes(view.status) ? view : undefined;
    });
  }

  function download(tenantId: string, backupId: string, headers: Record<string, string> = {}) {
    return http().get(`/api/tenant/backup/download/${backupId}`).set({ ...asTenant(tenantId), ...headers }).buffer(true).parse(binary);
  }

  async function auditActions(tenantId: string, action: string): Promise<{ outcome: string; targetId?: string; actor: string; detail?: Record<string, unknown> }[]> {
    const { body } = await http().get(`/api/super-admin/audit?tenantId=${tenantId}&action=${action}&limit=200`).set(admin()).expect(200);
    return body.items;
  }

  beforeAll(async () => {
    // A download window other than the default, so that the one the record and the export keep is seen to be this one.
    env = await startTestEnvironment({ env: { CUSTOMER_BACKUP_TTL_HOURS: '30' } });
    // Listening before the first request: concurrent supertest requests would otherwise each try to bind it.
    await env.app.listen(0, '127.0.0.1');
    env.app.get(DomainEvents).on('backup.failed', (e) => void events.push(e));
    platform = new Client({ connectionString: env.platform.url });
    await platform.connect();
    work = await mkdtemp(join(tmpdir(), 'tv-customer-e2e-'));
  });

  afterAll(async () => {
    await platform?.end();
    await env?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  describe("round trip of tenant A's export", () => {
    let exported: ExportView;
    let zip: Buffer;
    let headers: Record<string, string>;
    let manifest: CustomerExportManifest;
    const dir = () => join(work, 'a');

    beforeAll(async () => {
      exported = await createAndWait(A.id);
      const response = await download(A.id, exported.id).expect(200);
      zip = response.body as Buffer;
      headers = response.headers as Record<string, string>;
      await writeFile(join(work, 'a.zip'), zip);
      await unzipInto(join(work, 'a.zip'), dir());
      manifest = JSON.parse(await readFile(join(dir(), 'manifest.json'), 'utf8')) as CustomerExportManifest;
    });

    it('completes with progress 100 and the row counts of every table', () => {
      expect(exported).toMatchObject({ status: 'COMPLETED', progress: 100, downloadable: true, downloadUrl: `/api/tenant/backup/download/${exported.id}` });
      expect(exported.rowCounts).toEqual(Object.fromEntries(manifest.tables.map((t) => [t.name, t.rows])));
      expect(Date.parse(exported.expiresAt) - Date.parse(exported.createdAt)).toBe(30 * 3600 * 1000);
    });

    it('keeps the same expiry on the backup record as on the export (CUSTOMER_BACKUP_TTL_HOURS)', async () => {
      const catalog = new Client({ connectionString: env.catalog.url });
      await catalog.connect();
      try {
        const { rows } = await catalog.query<{ type: string; expires_at: Date }>('SELECT type, expires_at FROM backup_records WHERE id = $1', [exported.id]);
        expect(rows).toEqual([{ type: 'CUSTOMER', expires_at: new Date(exported.expiresAt) }]);
      } finally {
        await catalog.end();
      }
    });

    it('is a zip that unzip and Python open, with README.txt, schema.sql, one CSV per table and manifest.json', async () => {
      expect(zip.subarray(0, 4)).toEqual(Buffer.from('PK\x03\x04', 'latin1'));
      const entries = await zipEntryNames(join(work, 'a.zip'));
      expect(entries).toEqual(['README.txt', 'schema.sql', ...manifest.tables.map((t) => t.file), 'manifest.json']);
      const { stdout } = await run('python3', ['-m', 'zipfile', '-t', join(work, 'a.zip')]);
      expect(stdout).toContain('Done testing');
      expect(manifest).toMatchObject({ tenantId: A.id, createdAt: exported.createdAt });
    });

    it('is sent as an attachment naming the tenant and the date, with its exact length', () => {
      expect(headers['content-type']).toBe('application/zip');
      expect(headers['content-disposition']).toBe(`attachment; filename="tenant-${A.id}-export-${exported.createdAt.slice(0, 10)}.zip"`);
      expect(Number(headers['content-length'])).toBe(zip.length);
      expect(zip.length).toBe(exported.sizeBytes);
      expect(headers['accept-ranges']).toBe('bytes');
    });

    it("parses, with csv-parse, to exactly the tenant's rows of every table", async () => {
      expect(manifest.tables.map((t) => t.name).sort()).toEqual(Object.keys(TENANT_ROW_COUNTS).sort());
      for (const table of manifest.tables) {
        const expected = Number((await platform.query<{ count: string }>(TENANT_ROW_COUNTS[table.name], [A.id])).rows[0].count);
        const csv = await readCsv(join(dir(), table.file));
        expect({ table: table.name, rows: csv.rows.length }).toEqual({ table: table.name, rows: expected });
      }
    });

    it('keeps unicode, NULL apart from the empty string, numbers, jsonb, bytea, arrays and timestamps', async () => {
      const file = (name: string) => join(dir(), manifest.tables.find((t) => t.name === name)!.file);
      const users = new Map((await readCsv(file('public.users'))).rows.map((r) => [r.id, r]));
      const storedUsers = await platform.query<{ id: string; display_name: string; bio: string | null; avatar: Buffer | null; roles: string; birth_date: string | null; last_login_at: string | null }>(
        `SELECT id::text, display_name, bio, avatar, roles::text, birth_date::text,
                CASE WHEN isfinite(last_login_at) THEN to_char(last_login_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') ELSE last_login_at::text END AS last_login_at
         FROM users WHERE tenant_id = $1`,
        [A.id],
      );
      for (const row of storedUsers.rows) {
        const csv = users.get(row.id)!;
        expect({
          id: row.id,
          display_name: csv.display_name,
          bio: csv.bio,
          avatar: csv.avatar === null ? null : Buffer.from(csv.avatar, 'base64'),
          roles: csv.roles,
          birth_date: csv.birth_date,
          last_login_at: csv.last_login_at === null ? null : micros(csv.last_login_at),
        }).toEqual({ ...row, last_login_at: row.last_login_at === null ? null : micros(row.last_login_at) });
      }
      const bios = storedUsers.rows.map((r) => r.bio);
      expect(bios).toEqual(expect.arrayContaining([null, '', 'NULL']));
      expect(storedUsers.rows.map((r) => r.display_name).join(' ')).toMatch(/東京|Ω|🚀/u);

      const customers = new Map((await readCsv(file('public.customers'))).rows.map((r) => [r.id, r]));
      const storedCustomers = await platform.query<{ id: string; balance: string; lifetime_value: string | null; external_ref: string | null; tags: string | null; metadata: unknown }>(
        'SELECT id::text, balance::text, lifetime_value::text, external_ref::text, tags::text, metadata FROM customers WHERE tenant_id = $1',
        [A.id],
      );
      for (const row of storedCustomers.rows) {
        const csv = customers.get(row.id)!;
        expect({ id: row.id, balance: csv.balance, lifetime_value: csv.lifetime_value, external_ref: csv.external_ref, tags: csv.tags, metadata: csv.metadata === null ? null : JSON.parse(csv.metadata) }).toEqual(row);
      }
      expect(storedCustomers.rows.map((r) => r.lifetime_value)).toContain('NaN');
    });

    it('holds no row of another tenant and no global table', async () => {
      expect(manifest.tables.map((t) => t.name).filter((n) => /currencies|exchange_rates|feature_flags/.test(n))).toEqual([]);
      for (const table of manifest.tables) {
        const text = (await readFile(join(dir(), table.file), 'utf8')).toLowerCase();
        for (const other of [B.slug, C.slug, B.id, C.id]) expect({ file: table.file, leaks: text.includes(other) }).toEqual({ file: table.file, leaks: false });
      }
    });

    it('loads into an empty database: schema.sql, then every CSV with COPY ... CSV HEADER, row for row', async () => {
      const target = await createTestDatabase(undefined, 'customer_e2e_load');
      const loaded = new Client({ connectionString: target.url });
      try {
        await psqlFile(target.url, 'schema.sql', dir());
        // The README's own commands, as a customer would paste them: one \copy per CSV, then bytea columns decoded.
        const readme = await readFile(join(dir(), 'README.txt'), 'utf8');
        const commands = readme
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l.startsWith('\\copy ') || l.startsWith('ALTER TABLE '));
        expect(commands.filter((c) => /^\\copy .* FROM '.*\.csv' WITH \(FORMAT csv, HEADER true/.test(c))).toHaveLength(manifest.tables.length);
        await writeFile(join(work, 'load.psql'), `${commands.join('\n')}\n`);
        await psqlFile(target.url, join(work, 'load.psql'), dir());
        await loaded.connect();
        expect(await tableContentHashes(loaded)).toEqual(await tableContentHashes(platform, { tenantId: A.id }));
      } finally {
        await loaded.end().catch(() => undefined);
        await target.drop();
      }
    });

    it('is stored on disk encrypted: no zip entry, header or row of the tenant in the file', async () => {
      const file = join(env.localPath, customerExportKey(A.id, exported.id, new Date(exported.createdAt)));
      const stored = await readFile(file);
      expect(stored.subarray(0, 4).toString('latin1')).toBe('TVBK');
      const haystack = stored.toString('latin1');
      for (const needle of ['PK\x03\x04', 'README.txt', 'manifest.json', 'display_name', A.slug, 'example.test']) expect({ needle, found: haystack.includes(needle) }).toEqual({ needle, found: false });
      const { rows } = await platform.query<{ name: string }>('SELECT name FROM customers WHERE tenant_id = $1 LIMIT 10', [A.id]);
      for (const { name } of rows) expect(haystack).not.toContain(name);
      // The operator's CLI (built: `npm run build`) opens it with the platform secret alone, into the very zip served.
      await runCli(['decrypt', '--file', file, '--out', join(work, 'cli.zip')], { BACKUP_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, NODE_ENV: 'test', LOG_FORMAT: 'json' });
      expect((await readFile(join(work, 'cli.zip'))).equals(zip)).toBe(true);
    });

    it('serves ranges: the second half appended to the first half is the full download; 416 past the end', async () => {
      const half = Math.floor(zip.length / 2);
      const second = await download(A.id, exported.id, { Range: `bytes=${half}-` }).expect(206);
      expect(second.headers['content-range']).toBe(`bytes ${half}-${zip.length - 1}/${zip.length}`);
      expect(Number(second.headers['content-length'])).toBe(zip.length - half);
      const first = await download(A.id, exported.id, { Range: `bytes=0-${half - 1}`, 'If-Range': headers.etag }).expect(206);
      expect(first.headers['content-range']).toBe(`bytes 0-${half - 1}/${zip.length}`);
      expect(Buffer.concat([first.body as Buffer, second.body as Buffer]).equals(zip)).toBe(true);

      const third = Math.floor(zip.length / 3);
      const middle = await download(A.id, exported.id, { Range: `bytes=${third}-${third + 9}` }).expect(206);
      expect((middle.body as Buffer).equals(zip.subarray(third, third + 10))).toBe(true);
      const past = await http().get(`/api/tenant/backup/download/${exported.id}`).set({ ...asTenant(A.id), Range: `bytes=${zip.length}-` }).expect(416);
      expect(past.headers['content-range']).toBe(`bytes */${zip.length}`);
      expect(past.body).toMatchObject({ statusCode: 416 });
    });

    it('counts complete downloads with their time, and audits the create and every download', async () => {
      // The full download and the second half each delivered the last byte; the first half and the middle did not.
      const view = await waitFor('the downloads to be counted', async () => {
        const v = await latest(A.id);
        return v && v.downloadCount >= 2 ? v : undefined;
      });
      expect(view.downloadCount).toBe(2);
      expect(Date.parse(view.lastDownloadedAt!)).toBeGreaterThan(Date.parse(exported.createdAt));
      expect((await auditActions(A.id, 'customer-backup.create')).map((e) => [e.outcome, e.targetId, e.actor])).toEqual([['SUCCESS', exported.id, `user-of-${A.id}`]]);
      const downloads = await auditActions(A.id, 'customer-backup.download');
      expect(downloads.filter((e) => e.outcome === 'SUCCESS' && e.targetId === exported.id).length).toBeGreaterThanOrEqual(4);
      expect(downloads.some((e) => e.outcome !== 'SUCCESS')).toBe(true); // the 416 is audited too
      expect((await auditActions(A.id, 'customer-backup.complete')).map((e) => e.outcome)).toEqual(['SUCCESS']);
    });
  });

  describe('limits and access', () => {
    it('20 concurrent requests of one tenant: exactly 1 accepted, 19 answered 429 with Retry-After until the next UTC day', async () => {
      const answers = await Promise.all(Array.from({ length: 20 }, () => http().post('/api/tenant/backup/create').set(asTenant(B.id))));
      const accepted = answers.filter((a) => a.status === 202);
      const limited = answers.filter((a) => a.status === 429);
      expect(accepted).toHaveLength(1);
      expect(limited).toHaveLength(19);
      const midnight = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 + 86_400_000);
      for (const answer of limited) {
        expect(answer.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests', code: 'CUSTOMER_EXPORT.DAILY_LIMIT' });
        expect(answer.body.message).toContain(midnight.toISOString());
        const seconds = Number(answer.headers['retry-after']);
        expect(seconds).toBeGreaterThan(0);
        expect(Math.abs(Date.now() + seconds * 1000 - midnight.getTime())).toBeLessThan(60_000);
      }
      // The refused requests leave no record behind.
      const { body } = await http().get('/api/tenant/backup/history').set(asTenant(B.id)).expect(200);
      expect(body.items.map((e: ExportView) => e.id)).toEqual([accepted[0].body.id]);
      const status = await http().get('/api/tenant/backup/status').set(asTenant(B.id)).expect(200);
      expect(status.body).toMatchObject({ dailyLimit: 1, usedToday: 1, canCreate: false, nextExportAllowedAt: midnight.toISOString() });
      await waitFor("tenant B's export to complete", async () => (await latest(B.id))?.status === 'COMPLETED');
    });

    it("tenant B gets 404 for tenant A's export exactly as for a missing one, and never sees it in status or history", async () => {
      const exportOfA = (await latest(A.id))!;
      const foreign = await download(B.id, exportOfA.id).expect(404);
      const missing = await download(B.id, '0f9c3c0e-5b6e-4c1e-9d7a-2b1f0c9e8d7a').expect(404);
      expect(JSON.parse((foreign.body as Buffer).toString('utf8'))).toEqual({ ...JSON.parse((missing.body as Buffer).toString('utf8')), message: `Export ${exportOfA.id} not found` });
      expect(JSON.parse((missing.body as Buffer).toString('utf8')).message).toBe('Export 0f9c3c0e-5b6e-4c1e-9d7a-2b1f0c9e8d7a not found');
      const status = await http().get('/api/tenant/backup/status').set(asTenant(B.id)).expect(200);
      const history = await http().get('/api/tenant/backup/history?limit=200').set(asTenant(B.id)).expect(200);
      expect(JSON.stringify([status.body, history.body])).not.toContain(exportOfA.id);
      expect(history.body).toMatchObject({ total: 1, limit: 200, offset: 0 });
    });

    it('refuses a super-admin token (403), no token (401), a malformed id (400 naming it) and an unbounded page', async () => {
      for (const [method, path] of [
        ['post', '/api/tenant/backup/create'],
        ['get', '/api/tenant/backup/status'],
        ['get', '/api/tenant/backup/history'],
        ['get', `/api/tenant/backup/download/${(await latest(A.id))!.id}`],
      ] as const) {
        const denied = await http()[method](path).set(admin()).expect(403);
        expect(denied.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
        await http()[method](path).expect(401);
      }
      const bad = await http().get('/api/tenant/backup/download/..%2F..%2Fetc%2Fpasswd').set(asTenant(A.id)).expect(400);
      expect(bad.body.message).toContain('backupId');
      const unbounded = await http().get('/api/tenant/backup/history?limit=100000').set(asTenant(A.id)).expect(400);
      expect(unbounded.body.message).toContain('limit');
    });

    it('documents the four tenant routes in Swagger', async () => {
      const { body } = await http().get('/docs-json').expect(200);
      expect(Object.keys(body.paths).filter((p) => p.startsWith('/api/tenant/backup/')).sort()).toEqual([
        '/api/tenant/backup/create',
        '/api/tenant/backup/download/{backupId}',
        '/api/tenant/backup/history',
        '/api/tenant/backup/status',
      ]);
      expect(Object.keys(body.paths['/api/tenant/backup/download/{backupId}'].get.responses)).toEqual(expect.arrayContaining(['200', '206', '403', '404', '410', '416']));
    });

    it('a failed export emits backup.failed, cannot be downloaded and gives the allowance back', async () => {
      // A file where the local provider keeps its unfinished writes: every attempt to store the export fails.
      const partial = join(env.localPath, '.partial');
      await rm(partial, { recursive: true, force: true });
      await writeFile(partial, 'in the way');
      let failed: ExportView;
      try {
        failed = await createAndWait(C.id);
      } finally {
        await rm(partial, { force: true });
      }
      expect(failed.status).toBe('FAILED');
      await waitFor('backup.failed', () => events.some((e) => e.type === 'backup.failed' && e.backupId === failed.id && e.backupType === 'CUSTOMER' && e.tenantId === C.id));
      expect((await download(C.id, failed.id).expect(409)).body.toString()).toContain('failed');
      const status = await http().get('/api/tenant/backup/status').set(asTenant(C.id)).expect(200);
      expect(status.body).toMatchObject({ usedToday: 0, canCreate: true, downloadAvailable: false });

      const again = await createAndWait(C.id);
      expect(again.status).toBe('COMPLETED');
      const { body } = await http().get('/api/tenant/backup/history').set(asTenant(C.id)).expect(200);
      expect(body.items.map((e: ExportView) => [e.id, e.status])).toEqual([
        [again.id, 'COMPLETED'],
        [failed.id, 'FAILED'],
      ]);
    });
  });

  describe('a damaged stored export', () => {
    it('is refused with a plain 500 and reported as an integrity failure, never served as a shorter zip', async () => {
      const integrity: DomainEvent[] = [];
      const stop = env.app.get(DomainEvents).on('integrity.failure', (e) => void integrity.push(e));
      const exportOfC = (await latest(C.id))!;
      const file = join(env.localPath, customerExportKey(C.id, exportOfC.id, new Date(exportOfC.createdAt)));
      const intact = await readFile(file);
      try {
        const headerLength = 9 + intact.readUInt32BE(5);
        for (const at of [20, headerLength + 100]) {
          const damaged = Buffer.from(intact);
          damaged[at] ^= 0x01;
          await writeFile(file, damaged);
          const answer = await download(C.id, exportOfC.id).expect(500);
          expect(answer.body.toString()).not.toContain('CRYPTO');
        }
      } finally {
        stop();
        await writeFile(file, intact);
      }
      expect(integrity.map((e) => e.type === 'integrity.failure' && [e.backupId, e.backupType, e.provider])).toEqual([
        [exportOfC.id, 'CUSTOMER', 'local'],
        [exportOfC.id, 'CUSTOMER', 'local'],
      ]);
      await download(C.id, exportOfC.id).expect(200);
    });
  });

  describe('expiry, with the clock moved', () => {
    it('leaves exports alone within their window, then deletes the files, answers 410 and shows EXPIRED in history', async () => {
      const expiry = env.app.get(CustomerExportExpiry);
      const exportOfA = (await latest(A.id))!;
      const file = join(env.localPath, customerExportKey(A.id, exportOfA.id, new Date(exportOfA.createdAt)));
      expect(await expiry.expireDue(new Date())).toBe(0);
      await stat(file);

      // Past the 30 h window of every export made by this file.
      const later = new Date(Date.now() + 31 * 3600 * 1000);
      expect(await expiry.expireDue(later)).toBe(3); // A's, B's and C's completed exports
      await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(stat(join(env.localPath, sidecarKeyFor(customerExportKey(A.id, exportOfA.id, new Date(exportOfA.createdAt)))))).rejects.toMatchObject({ code: 'ENOENT' });

      const gone = await download(A.id, exportOfA.id).expect(410);
      expect(JSON.parse((gone.body as Buffer).toString('utf8'))).toMatchObject({ statusCode: 410, error: 'Gone', code: 'CUSTOMER_EXPORT.EXPIRED' });
      const { body } = await http().get('/api/tenant/backup/history').set(asTenant(A.id)).expect(200);
      expect(body.items[0]).toMatchObject({ id: exportOfA.id, status: 'EXPIRED', downloadable: false, expiredAt: later.toISOString(), downloadCount: 2 });
      expect((await auditActions(A.id, 'customer-backup.expire')).map((e) => [e.outcome, e.targetId, e.detail?.reason])).toEqual([['SUCCESS', exportOfA.id, 'TTL']]);
      expect(await expiry.expireDue(later)).toBe(0);
    });
  });
});
