import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Client } from 'pg';
import { ArchiveEntry, readArchive } from '../../libs/archive';
import { unsealStream } from '../../libs/archive/sealed-archive';
import { KeyRing } from '../../libs/crypto';
import {
  discoverTenantGraph,
  ForeignKeyViolationError,
  IMPORT_APPLICATION_NAME,
  IncompleteArchiveError,
  ImportProgress,
  importTenant,
  RestoreLoadError,
  SchemaIncompatibleError,
  TenantMismatchError,
} from '../../libs/tenant-data';
import { DEFAULT_TENANCY, DEMO_TENANTS } from '../../libs/demo-platform';
import { sequenceValues, tableContentHashes, TableHash } from '../support/table-hashes';
import { readTenantArchive, restoreTenantFromFile, writeTenantArchive } from '../support/tenant-archive';
import { createTestDatabase, TestDatabase } from '../support/test-database';

const { A, B, C } = DEMO_TENANTS;
const secret = randomBytes(32).toString('base64');
const ring = KeyRing.fromBase64(secret);

type Hashes = Record<string, TableHash>;

/**
 * Changes every kind of value of a tenant: deleted children, a rebuilt tree of self-references, new rows (an
 * invoice, whose trigger logs it), jsonb, bytea, arrays, text. Platform triggers run, as they would in production.
 */
async function scramble(client: Client, tenantId: string): Promise<void> {
  const invoicesOf = 'SELECT id FROM invoices WHERE tenant_id = $1';
  await client.query(`DELETE FROM item_adjustments WHERE invoice_id IN (${invoicesOf})`, [tenantId]);
  await client.query(`DELETE FROM invoice_items WHERE invoice_id IN (${invoicesOf})`, [tenantId]);
  await client.query('DELETE FROM billing.refunds WHERE payment_id IN (SELECT id FROM billing.payments WHERE tenant_id = $1)', [tenantId]);
  await client.query(`UPDATE categories SET parent_id = NULL, name = name || ' (renamed)' WHERE tenant_id = $1`, [tenantId]);
  await client.query('DELETE FROM categories WHERE tenant_id = $1 AND position > 20', [tenantId]);
  await client.query('UPDATE categories SET parent_id = (SELECT max(id) FROM categories WHERE tenant_id = $1) WHERE tenant_id = $1 AND position < 5', [tenantId]);
  await client.query(`UPDATE customers SET metadata = '{"scrambled": true}', tags = ARRAY['x'], balance = 0 WHERE tenant_id = $1`, [tenantId]);
  await client.query(`UPDATE users SET avatar = '\\xdeadbeef', roles = '{}', bio = E'new\\tbio' WHERE tenant_id = $1`, [tenantId]);
  await client.query(`UPDATE tenant_settings SET preferences = '{}', logo = NULL WHERE tenant_id = $1`, [tenantId]);
  await client.query(`DELETE FROM tenant_domains WHERE owner_tenant = $1 AND domain LIKE 'www.%'`, [tenantId]);
  await client.query(`UPDATE tenants SET name = 'Renamed' WHERE id = $1`, [tenantId]);
  await client.query(`INSERT INTO users (tenant_id, email, display_name, created_at) VALUES ($1, 'late@example.test', 'Late', now())`, [tenantId]);
  await insertInvoice(client, tenantId, 'LATE-1');
}

/** The platform's usual path: no explicit ids, triggers on. */
async function insertInvoice(client: Client, tenantId: string, number: string): Promise<string> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO invoices (tenant_id, customer_id, number, currency, issued_on, payment_terms, subtotal, tax_rate, created_at, updated_at)
     VALUES ($1, (SELECT id FROM customers WHERE tenant_id = $1 ORDER BY id LIMIT 1), $2, 'EUR', '2025-01-01', '30 days', 10, 0.2, now(), now())
     RETURNING id`,
    [tenantId, number],
  );
  return rows[0].id;
}

/** One new row in every table with a serial or identity column, the way the platform writes them. */
async function insertThroughPlatform(client: Client, tenantId: string): Promise<void> {
  await client.query(`INSERT INTO users (tenant_id, email, display_name, created_at) VALUES ($1, 'new@example.test', 'New', now())`, [tenantId]);
  await client.query(`INSERT INTO categories (tenant_id, position, name) VALUES ($1, 1000, 'New')`, [tenantId]);
  const invoice = await insertInvoice(client, tenantId, 'NEW-1');
  await client.query(`INSERT INTO invoice_items (invoice_id, line_no, description, quantity, unit_price) VALUES ($1, 1, 'new', 1, 1)`, [invoice]);
  await client.query(`INSERT INTO item_adjustments (invoice_id, line_no, reason, amount) VALUES ($1, 1, 'new', 1)`, [invoice]);
  await client.query(`INSERT INTO billing.payments (tenant_id, invoice_id, amount, currency, method, paid_at) VALUES ($1, $2, 1, 'EUR', 'card', now())`, [tenantId, invoice]);
}

/** Plaintext tar of a sealed archive file. */
async function plaintextOf(file: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of unsealStream(createReadStream(file), ring).stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Entries whose `table` data hands over its first chunk, then stalls (a COPY left running) or fails (a broken download). */
async function* cutAt(table: string, how: 'stall' | 'fail', entries: AsyncIterable<ArchiveEntry>): AsyncGenerator<ArchiveEntry> {
  for await (const entry of entries) {
    if (entry.kind !== 'table' || entry.name !== table) {
      yield entry;
      continue;
    }
    const cut = new PassThrough();
    entry.data.once('data', (chunk: Buffer) => {
      entry.data.pause();
      cut.write(chunk, () => how === 'fail' && cut.destroy(new Error('download interrupted')));
    });
    yield { ...entry, data: cut };
  }
}

describe('tenant data: import', () => {
  let dir: string;
  let db: TestDatabase;
  let client: Client;
  let archive: string;

  const tenantHashes = (tenantId: string): Promise<Hashes> => tableContentHashes(client, { tenantId });
  const restore = (tenantId: string, options: Parameters<typeof restoreTenantFromFile>[4]) => restoreTenantFromFile(db.url, tenantId, archive, ring, options);

  /** Everything a restore of A must leave alone: the other tenants' rows and every global table. */
  async function othersState(): Promise<{ B: Hashes; C: Hashes; globals: Hashes }> {
    const { globalTables } = await discoverTenantGraph(client, DEFAULT_TENANCY);
    return { B: await tenantHashes(B.id), C: await tenantHashes(C.id), globals: await tableContentHashes(client, { tables: globalTables }) };
  }

  async function platformState(): Promise<{ A: Hashes; others: Awaited<ReturnType<typeof othersState>> }> {
    return { A: await tenantHashes(A.id), others: await othersState() };
  }

  async function importConnections(): Promise<{ pid: number; state: string; query: string }[]> {
    const { rows } = await client.query(`SELECT pid, state, query FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`, [IMPORT_APPLICATION_NAME]);
    return rows;
  }

  /** Backends exit shortly after their client is gone. */
  async function waitForNoImportConnection(): Promise<void> {
    for (let i = 0; i < 100 && (await importConnections()).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await importConnections()).toEqual([]);
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tv-import-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    db = await createTestDatabase('platform', 'import');
    client = new Client({ connectionString: db.url });
    await client.connect();
    archive = join(dir, `${db.name}.tvb`);
  });

  afterEach(async () => {
    await client.end();
    await db.drop();
  });

  describe('FULL', () => {
    it('brings back every row of the backup byte for byte, and the platform then inserts without collisions', async () => {
      const before = await tenantHashes(A.id);
      const { manifest, summary } = await writeTenantArchive(db.url, A.id, archive, ring);
      await scramble(client, A.id);
      expect(await tenantHashes(A.id)).not.toEqual(before);
      // Sequences behind the restored ids (as after a sequence reset), and one far ahead, which must stay there.
      await client.query(
        `SELECT setval('users_id_seq', 1), setval('categories_id_seq', 1), setval('invoices_id_seq', 1), setval('item_adjustments_id_seq', 1), setval('billing.payments_id_seq', 1)`,
      );
      await client.query(`SELECT setval('activity_log_id_seq', 1000000)`);

      const progress: ImportProgress[] = [];
      const result = await restore(A.id, { mode: 'FULL', onProgress: (p) => void progress.push(p) });

      expect(await tenantHashes(A.id)).toEqual(before);
      expect(result.rowsRestored).toEqual(Object.fromEntries(Object.entries(summary.tables).map(([name, t]) => [name, t.rows])));
      expect(progress).toEqual(manifest.tables.map((t, i) => ({ tablesDone: i + 1, tablesTotal: manifest.tables.length, table: t.name, rows: summary.tables[t.name].rows })));

      const sequences = await sequenceValues(client);
      const { rows } = await client.query<{ max: string }>('SELECT max(id)::text AS max FROM users');
      expect(sequences['"public"."users_id_seq"']).toBe(Number(rows[0].max));
      expect(sequences['"public"."activity_log_id_seq"']).toBe(1000000);
      await expect(insertThroughPlatform(client, A.id)).resolves.toBeUndefined();
    });

    it('changes no row of another tenant or of a global table', async () => {
      await writeTenantArchive(db.url, A.id, archive, ring);
      await scramble(client, A.id);
      const others = await othersState();

      await restore(A.id, { mode: 'FULL' });

      expect(await othersState()).toEqual(others);
    });

    it('fires no platform trigger: the activity log is not doubled and updated_at keeps its backed-up values', async () => {
      const activity = 'SELECT id, entity_id, action, at::text FROM activity_log WHERE tenant_id = $1 ORDER BY id';
      const touched = `SELECT 'customer ' || id || ' ' || updated_at::text AS row FROM customers WHERE tenant_id = $1
        UNION ALL SELECT 'invoice ' || id || ' ' || updated_at::text FROM invoices WHERE tenant_id = $1 ORDER BY 1`;
      const logBefore = (await client.query(activity, [A.id])).rows;
      const updatedBefore = (await client.query(touched, [A.id])).rows;
      await writeTenantArchive(db.url, A.id, archive, ring);
      await client.query(`UPDATE customers SET name = name || ' changed' WHERE tenant_id = $1`, [A.id]);
      await client.query(`UPDATE invoices SET memo = 'changed' WHERE tenant_id = $1`, [A.id]);
      expect((await client.query(touched, [A.id])).rows).not.toEqual(updatedBefore);

      await restore(A.id, { mode: 'FULL' });

      expect((await client.query(activity, [A.id])).rows).toEqual(logBefore);
      expect((await client.query(touched, [A.id])).rows).toEqual(updatedBefore);
    });

    it('refuses, changing nothing, rows that reference a global row deleted since the backup', async () => {
      await client.query(`INSERT INTO currencies VALUES ('CHF', 'Swiss Franc', 'Fr.', 2)`);
      await client.query(`UPDATE invoices SET currency = 'CHF' WHERE tenant_id = $1 AND number = 'ACME-000007'`, [A.id]);
      await writeTenantArchive(db.url, A.id, archive, ring);
      await client.query(`UPDATE invoices SET currency = 'EUR' WHERE tenant_id = $1 AND number = 'ACME-000007'`, [A.id]);
      await client.query(`DELETE FROM currencies WHERE code = 'CHF'`);
      const before = await platformState();

      const failure = restore(A.id, { mode: 'FULL' });

      await expect(failure).rejects.toBeInstanceOf(ForeignKeyViolationError);
      await expect(failure).rejects.toMatchObject({ message: expect.stringContaining('"public"."invoices" (currency)=(CHF) has no row in "public"."currencies"') });
      expect(await platformState()).toEqual(before);
    });
  });

  describe('MERGE', () => {
    it('brings back deleted rows, keeps changed and new ones, and adds no duplicate to a table without primary key', async () => {
      await client.query('CREATE TABLE tenant_notes (tenant_id uuid NOT NULL REFERENCES tenants (id), body text, attrs json)');
      await client.query(
        `INSERT INTO tenant_notes VALUES ($1, 'twice', '{"x": 1}'), ($1, 'twice', '{"x": 1}'), ($1, NULL, NULL), ($1, 'once', NULL), ($2, 'once', NULL)`,
        [A.id, B.id],
      );
      const before = await tenantHashes(A.id);
      await writeTenantArchive(db.url, A.id, archive, ring);

      // Deleted: four invoices with everything below them (their activity log rows stay), the leaf category only
      // their items used, a note.
      const gone = `SELECT id FROM invoices WHERE tenant_id = $1 AND number IN ('ACME-000004', 'ACME-000005', 'ACME-000010', 'ACME-000015')`;
      const deleted = async (table: string, sql: string) => [table, (await client.query(sql, [A.id])).rowCount] as const;
      const deletions = [
        await deleted('billing.refunds', `DELETE FROM billing.refunds WHERE payment_id IN (SELECT id FROM billing.payments WHERE invoice_id IN (${gone}))`),
        await deleted('billing.payments', `DELETE FROM billing.payments WHERE invoice_id IN (${gone})`),
        await deleted('public.item_adjustments', `DELETE FROM item_adjustments WHERE invoice_id IN (${gone})`),
        await deleted('public.invoice_items', `DELETE FROM invoice_items WHERE invoice_id IN (${gone})`),
        await deleted('public.invoices', `DELETE FROM invoices WHERE id IN (${gone})`),
        await deleted('public.categories', 'DELETE FROM categories WHERE tenant_id = $1 AND position = 17'),
        await deleted('public.tenant_notes', 'DELETE FROM tenant_notes WHERE tenant_id = $1 AND body IS NULL'),
      ];
      expect(deletions.every(([, n]) => n! > 0)).toBe(true);
      // Changed and new.
      await client.query(`UPDATE customers SET name = 'Changed after the backup' WHERE tenant_id = $1`, [A.id]);
      await client.query(`UPDATE invoices SET memo = 'changed after the backup' WHERE tenant_id = $1`, [A.id]);
      await client.query(`INSERT INTO users (tenant_id, email, display_name, created_at) VALUES ($1, 'late@example.test', 'Late', now())`, [A.id]);
      const others = await othersState();

      const result = await restore(A.id, { mode: 'MERGE' });

      expect(result.rowsRestored).toMatchObject({ ...Object.fromEntries(deletions), 'public.customers': 0, 'public.users': 0, 'public.activity_log': 0 });
      const after = await tenantHashes(A.id);
      const untouchedSinceBackup = Object.keys(before).filter((t) => !['"public"."customers"', '"public"."invoices"', '"public"."users"'].includes(t));
      for (const table of untouchedSinceBackup) expect([table, after[table]]).toEqual([table, before[table]]);

      const invoices = await client.query(`SELECT number, memo FROM invoices WHERE tenant_id = $1 ORDER BY number`, [A.id]);
      expect(invoices.rows).toHaveLength(30);
      const restored = ['ACME-000004', 'ACME-000005', 'ACME-000010', 'ACME-000015'];
      for (const row of invoices.rows) expect(row.memo === 'changed after the backup').toBe(!restored.includes(row.number));
      expect((await client.query(`SELECT DISTINCT name FROM customers WHERE tenant_id = $1`, [A.id])).rows).toEqual([{ name: 'Changed after the backup' }]);
      expect((await client.query(`SELECT count(*)::int AS n FROM users WHERE tenant_id = $1 AND email = 'late@example.test'`, [A.id])).rows[0].n).toBe(1);
      expect(await othersState()).toEqual(others);
    });

    it('refuses, changing nothing, to add rows whose parent it could not bring back', async () => {
      await writeTenantArchive(db.url, A.id, archive, ring);
      // The invoice is deleted and issued again under its number: a new id, so the backup's row is not missing but
      // taken, and its items and payment would point at nothing.
      const old = `SELECT id FROM invoices WHERE tenant_id = $1 AND number = 'ACME-000002'`;
      await client.query(`DELETE FROM billing.payments WHERE invoice_id IN (${old})`, [A.id]);
      await client.query(`DELETE FROM item_adjustments WHERE invoice_id IN (${old})`, [A.id]);
      await client.query(`DELETE FROM invoice_items WHERE invoice_id IN (${old})`, [A.id]);
      await client.query(`DELETE FROM invoices WHERE id IN (${old})`, [A.id]);
      await insertInvoice(client, A.id, 'ACME-000002');
      const before = await platformState();

      const failure = restore(A.id, { mode: 'MERGE' });

      await expect(failure).rejects.toBeInstanceOf(ForeignKeyViolationError);
      await expect(failure).rejects.toMatchObject({ code: 'RESTORE.FOREIGN_KEY_VIOLATION', message: expect.stringContaining('"public"."invoice_items" (invoice_id)=(') });
      await expect(failure).rejects.toMatchObject({ message: expect.stringContaining('"billing"."payments" (invoice_id)=(') });
      expect(await platformState()).toEqual(before);
    });
  });

  describe('atomicity', () => {
    async function scrambledState() {
      await writeTenantArchive(db.url, A.id, archive, ring);
      await scramble(client, A.id);
      return platformState();
    }

    it('a table PostgreSQL refuses midway leaves the tenant as it was', async () => {
      const before = await scrambledState();
      // Satisfied by the current rows, violated by the backup's refunds of A: the last table of the graph.
      await client.query(`CREATE UNIQUE INDEX refunds_once_per_tenant ON billing.refunds (reason) WHERE reason = 'partial: acme'`);
      const progress: string[] = [];

      const failure = restore(A.id, { mode: 'FULL', onProgress: (p) => void progress.push(p.table) });

      await expect(failure).rejects.toBeInstanceOf(RestoreLoadError);
      await expect(failure).rejects.toMatchObject({ code: 'RESTORE.LOAD_FAILED', table: 'billing.refunds', cause: { code: '23505' } });
      expect(progress.length).toBeGreaterThan(5);
      expect(await platformState()).toEqual(before);
    });

    it('data altered in the archive is loaded but never committed: the summary catches it', async () => {
      const before = await scrambledState();
      const tar = await plaintextOf(archive);
      // Still valid COPY text, so every table loads; only the archive's own hashes can tell.
      const at = tar.indexOf('acme item 1');
      expect(at).toBeGreaterThan(0);
      tar.write('ACME', at);
      const tarFile = join(dir, `${db.name}.tar`);
      await writeFile(tarFile, tar);
      const beforeCommit = jest.fn(async () => undefined);
      const progress: string[] = [];

      const failure = importTenant(db.url, DEFAULT_TENANCY, A.id, readArchive(createReadStream(tarFile)), {
        mode: 'FULL',
        beforeCommit,
        onProgress: (p) => void progress.push(p.table),
      });

      await expect(failure).rejects.toMatchObject({ code: 'ARCHIVE.CONTENT_MISMATCH', table: 'public.invoice_items' });
      expect(progress.length).toBeGreaterThan(8);
      expect(beforeCommit).not.toHaveBeenCalled();
      expect(await platformState()).toEqual(before);
    });

    it('an archive cut off before its summary restores nothing', async () => {
      const before = await scrambledState();
      const tar = await plaintextOf(archive);
      const summaryHeader = tar.indexOf(Buffer.from('summary.json\0'));
      expect(summaryHeader % 512).toBe(0);
      const tarFile = join(dir, `${db.name}.tar`);
      await writeFile(tarFile, tar.subarray(0, summaryHeader));
      const progress: string[] = [];

      const failure = importTenant(db.url, DEFAULT_TENANCY, A.id, readArchive(createReadStream(tarFile)), { mode: 'FULL', onProgress: (p) => void progress.push(p.table) });

      await expect(failure).rejects.toMatchObject({ code: 'ARCHIVE.MALFORMED', message: expect.stringContaining('truncated') });
      expect(progress).toHaveLength(Object.keys(before.A).length);
      expect(await platformState()).toEqual(before);
    });

    it('entries that end without the summary are not committed', async () => {
      const before = await scrambledState();
      async function* withoutSummary() {
        for await (const entry of readTenantArchive(archive, ring)) if (entry.kind !== 'summary') yield entry;
      }

      const failure = importTenant(db.url, DEFAULT_TENANCY, A.id, withoutSummary(), { mode: 'FULL' });

      await expect(failure).rejects.toBeInstanceOf(IncompleteArchiveError);
      await expect(failure).rejects.toMatchObject({ code: 'RESTORE.ARCHIVE_INCOMPLETE' });
      expect(await platformState()).toEqual(before);
    });

    it('table data that breaks off in the middle of a COPY leaves the tenant as it was', async () => {
      const before = await scrambledState();

      const failure = importTenant(db.url, DEFAULT_TENANCY, A.id, cutAt('public.invoice_items', 'fail', readTenantArchive(archive, ring)), { mode: 'FULL' });

      await expect(failure).rejects.toThrow('download interrupted');
      await waitForNoImportConnection();
      expect(await platformState()).toEqual(before);
    });

    it('a failing beforeCommit rolls everything back', async () => {
      const before = await scrambledState();
      const failure = restore(A.id, {
        mode: 'FULL',
        beforeCommit: async () => {
          throw new Error('lock lost');
        },
      });
      await expect(failure).rejects.toThrow('lock lost');
      expect(await platformState()).toEqual(before);
    });

    it('a connection dropped in the middle of a COPY leaves the tenant as it was', async () => {
      const before = await scrambledState();
      const failure = importTenant(db.url, DEFAULT_TENANCY, A.id, cutAt('public.customers', 'stall', readTenantArchive(archive, ring)), { mode: 'FULL' });
      failure.catch(() => undefined);

      let copying: { pid: number }[] = [];
      for (let i = 0; i < 100 && copying.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        copying = (await importConnections()).filter((c) => c.state === 'active' && c.query.startsWith('COPY "public"."customers"'));
      }
      expect(copying).toHaveLength(1);
      await client.query('SELECT pg_terminate_backend($1)', [copying[0].pid]);

      await expect(failure).rejects.toThrow();
      await waitForNoImportConnection();
      expect(await platformState()).toEqual(before);
    });

    it('a restoring process killed mid-way leaves the tenant as it was', async () => {
      const before = await scrambledState();
      // A separate node process, paused after some tables with its transaction open, then SIGKILLed.
      const script = `
        require('ts-node').register({ swc: true });
        const { KeyRing } = require(${JSON.stringify(join(__dirname, '../../libs/crypto'))});
        const { restoreTenantFromFile } = require(${JSON.stringify(join(__dirname, '../support/tenant-archive'))});
        restoreTenantFromFile(process.env.TV_DB, process.env.TV_TENANT, process.env.TV_FILE, KeyRing.fromBase64(process.env.TV_KEY), {
          mode: 'FULL',
          onProgress: (p) => {
            if (p.tablesDone < 8) return;
            process.stdout.write('paused\\n');
            return new Promise(() => undefined);
          },
        }).catch((err) => { console.error(err); process.exit(1); });`;
      const child = spawn(process.execPath, ['-e', script], {
        cwd: join(__dirname, '../..'),
        env: { ...process.env, TV_DB: db.url, TV_TENANT: A.id, TV_FILE: archive, TV_KEY: secret },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
      const paused = await new Promise<boolean>((resolve) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('paused') && resolve(true));
        child.once('exit', () => resolve(false));
      });
      expect([paused, stderr]).toEqual([true, '']);
      expect((await importConnections()).map((c) => c.state)).toEqual(['idle in transaction']);

      child.kill('SIGKILL');

      expect(await exited).toBe('SIGKILL');
      await waitForNoImportConnection();
      expect(await platformState()).toEqual(before);
    });
  });

  describe('schema drift', () => {
    it('restores into a schema that gained a nullable column, a defaulted column and a tenant table', async () => {
      const before = await platformState();
      await writeTenantArchive(db.url, A.id, archive, ring);
      await client.query('ALTER TABLE invoices ADD COLUMN approved_by text');
      await client.query(`ALTER TABLE customers ADD COLUMN tier text NOT NULL DEFAULT 'basic'`);
      await client.query('CREATE TABLE projects (id serial PRIMARY KEY, tenant_id uuid NOT NULL REFERENCES tenants (id), name text NOT NULL)');
      await client.query(`INSERT INTO projects (tenant_id, name) VALUES ($1, 'a1'), ($1, 'a2'), ($2, 'b1')`, [A.id, B.id]);
      await client.query(`UPDATE invoices SET approved_by = 'someone' WHERE tenant_id = $1`, [A.id]);
      await client.query(`UPDATE customers SET tier = 'gold' WHERE tenant_id = $1`, [A.id]);
      await scramble(client, A.id);

      await restore(A.id, { mode: 'FULL' });

      expect((await client.query('SELECT DISTINCT approved_by FROM invoices WHERE tenant_id = $1', [A.id])).rows).toEqual([{ approved_by: null }]);
      expect((await client.query('SELECT DISTINCT tier FROM customers WHERE tenant_id = $1', [A.id])).rows).toEqual([{ tier: 'basic' }]);
      // The tenant had no projects when backed up, so after a FULL restore it has none; others keep theirs.
      expect((await client.query('SELECT tenant_id, name FROM projects ORDER BY id')).rows).toEqual([{ tenant_id: B.id, name: 'b1' }]);
      await client.query('DROP TABLE projects');
      await client.query('ALTER TABLE invoices DROP COLUMN approved_by');
      await client.query('ALTER TABLE customers DROP COLUMN tier');
      expect(await platformState()).toEqual(before);
    });

    it('refuses a schema that lost a column or changed a type, before writing anything', async () => {
      await writeTenantArchive(db.url, A.id, archive, ring);
      await scramble(client, A.id);
      await client.query('ALTER TABLE users DROP COLUMN bio');
      await client.query('ALTER TABLE categories ALTER COLUMN position TYPE bigint');
      const before = await platformState();
      const onProgress = jest.fn();

      const failure = restore(A.id, { mode: 'FULL', onProgress });

      await expect(failure).rejects.toBeInstanceOf(SchemaIncompatibleError);
      const error = (await failure.catch((e: unknown) => e)) as SchemaIncompatibleError;
      expect(error.code).toBe('RESTORE.SCHEMA_INCOMPATIBLE');
      expect(error.problems.sort()).toEqual(['column public.categories.position changed type from integer to bigint', 'column public.users.bio no longer exists']);
      expect(error.message).toContain('public.users.bio');
      expect(onProgress).not.toHaveBeenCalled();
      expect(await platformState()).toEqual(before);
    });
  });

  it('refuses the archive of another tenant, changing nothing', async () => {
    await writeTenantArchive(db.url, A.id, archive, ring);
    const before = await platformState();

    const failure = restore(B.id, { mode: 'FULL' });

    await expect(failure).rejects.toBeInstanceOf(TenantMismatchError);
    await expect(failure).rejects.toMatchObject({ code: 'RESTORE.TENANT_MISMATCH' });
    expect(await platformState()).toEqual(before);
    await waitForNoImportConnection();
  });

  it('runs as a non-superuser role with the privileges libs/tenant-data/IMPORT.md lists', async () => {
    const role = `tv_test_restorer_${randomBytes(4).toString('hex')}`;
    const url = new URL(db.url);
    url.username = role;
    await client.query(`CREATE ROLE ${role} LOGIN`);
    try {
      await client.query(`GRANT USAGE ON SCHEMA public, billing TO ${role}`);
      await client.query(`GRANT SELECT, INSERT, DELETE ON ALL TABLES IN SCHEMA public, billing TO ${role}`);
      await client.query(`GRANT SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public, billing TO ${role}`);
      const before = await tenantHashes(A.id);
      await writeTenantArchive(db.url, A.id, archive, ring);
      await scramble(client, A.id);
      const scrambled = await tenantHashes(A.id);

      await expect(restoreTenantFromFile(url.toString(), A.id, archive, ring, { mode: 'FULL' })).rejects.toMatchObject({ code: 'RESTORE.PRIVILEGE_MISSING' });
      expect(await tenantHashes(A.id)).toEqual(scrambled);

      await client.query(`GRANT SET ON PARAMETER session_replication_role TO ${role}`);
      await restoreTenantFromFile(url.toString(), A.id, archive, ring, { mode: 'FULL' });
      expect(await tenantHashes(A.id)).toEqual(before);
      await client.query(`DELETE FROM tenant_domains WHERE owner_tenant = $1`, [A.id]);
      await restoreTenantFromFile(url.toString(), A.id, archive, ring, { mode: 'MERGE' });
      expect(await tenantHashes(A.id)).toEqual(before);
    } finally {
      await client.query(`REVOKE SET ON PARAMETER session_replication_role FROM ${role}`);
      await client.query(`DROP OWNED BY ${role}`);
      await client.query(`DROP ROLE ${role}`);
    }
  });
});
