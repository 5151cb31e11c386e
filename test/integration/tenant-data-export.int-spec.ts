import { Readable } from 'node:stream';
import { Client } from 'pg';
import {
  ExportClosedError,
  ExportStreamNotConsumedError,
  InvalidTenantIdError,
  TenancyConfigError,
  TenantExport,
  TenantGraph,
  TenantNotFoundError,
  columnsForCopy,
  discoverTenantGraph,
  listTenantIds,
  openTenantExport,
  tenantExists,
} from '../../libs/tenant-data';
import { seedDemoPlatform, DEFAULT_TENANCY, DEMO_TENANTS } from '../../libs/demo-platform';
import { createTestDatabase, TestDatabase } from '../support/test-database';

const { A, B, C } = DEMO_TENANTS;

/** Row counts of one tenant, written by hand from the fixture's schema rather than derived from the graph. */
const TENANT_ROW_COUNTS: Record<string, string> = {
  '"public"."tenants"': 'SELECT count(*) FROM tenants WHERE id = $1',
  '"public"."tenant_settings"': 'SELECT count(*) FROM tenant_settings WHERE tenant_id = $1',
  '"public"."tenant_features"': 'SELECT count(*) FROM tenant_features WHERE tenant_id = $1',
  '"public"."tenant_domains"': 'SELECT count(*) FROM tenant_domains WHERE owner_tenant = $1',
  '"public"."users"': 'SELECT count(*) FROM users WHERE tenant_id = $1',
  '"public"."categories"': 'SELECT count(*) FROM categories WHERE tenant_id = $1',
  '"public"."customers"': 'SELECT count(*) FROM customers WHERE tenant_id = $1',
  '"public"."invoices"': 'SELECT count(*) FROM invoices WHERE tenant_id = $1',
  '"public"."invoice_items"': 'SELECT count(*) FROM invoice_items ii JOIN invoices i ON i.id = ii.invoice_id WHERE i.tenant_id = $1',
  '"public"."item_adjustments"': 'SELECT count(*) FROM item_adjustments a JOIN invoices i ON i.id = a.invoice_id WHERE i.tenant_id = $1',
  '"public"."activity_log"': 'SELECT count(*) FROM activity_log WHERE tenant_id = $1',
  '"billing"."payments"': 'SELECT count(*) FROM billing.payments WHERE tenant_id = $1',
  '"billing"."refunds"': 'SELECT count(*) FROM billing.refunds r JOIN billing.payments p ON p.id = r.payment_id WHERE p.tenant_id = $1',
};

interface ExportedTable {
  columns: string[];
  lines: string[];
}

async function readText(data: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of data) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** COPY text format: one line per row, newlines inside values escaped as \n. */
const rowsOf = (text: string) => (text === '' ? [] : text.slice(0, -1).split('\n'));

async function readExport(exp: TenantExport, onTableRead?: (name: string) => Promise<void>): Promise<Map<string, ExportedTable>> {
  const tables = new Map<string, ExportedTable>();
  for await (const { table, columns, data } of exp.tables()) {
    tables.set(table.qualifiedName, { columns, lines: rowsOf(await readText(data)) });
    await onTableRead?.(table.qualifiedName);
  }
  return tables;
}

const field = (table: ExportedTable, line: string, column: string) => line.split('\t')[table.columns.indexOf(column)];

async function exportConnections(client: Client): Promise<number> {
  const { rows } = await client.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'tenantvault-export'`);
  return rows[0].n;
}

/** Backends exit shortly after their client disconnects. */
async function expectNoExportConnections(client: Client): Promise<void> {
  for (let i = 0; i < 50 && (await exportConnections(client)) > 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect(await exportConnections(client)).toBe(0);
}

describe('tenant data: discovery and export', () => {
  let db: TestDatabase;
  let client: Client;
  let graph: TenantGraph;

  beforeAll(async () => {
    db = await createTestDatabase(undefined, 'export');
    client = new Client({ connectionString: db.url });
    await client.connect();
    await seedDemoPlatform(client);
    graph = await discoverTenantGraph(client, DEFAULT_TENANCY);
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  describe('discovery', () => {
    it('classifies every fixture table', () => {
      const scopes = Object.fromEntries(
        graph.tables.map((t) => [t.qualifiedName, t.scope.kind === 'foreign-key' ? t.scope.via.map((fk) => `${fk.columns} -> ${fk.references}`) : t.scope.kind]),
      );
      expect(scopes).toEqual({
        '"public"."tenants"': 'tenant-row',
        '"public"."tenant_settings"': 'tenant-column',
        '"public"."tenant_features"': 'tenant-column',
        '"public"."users"': 'tenant-column',
        '"public"."categories"': 'tenant-column',
        '"public"."customers"': 'tenant-column',
        '"public"."invoices"': 'tenant-column',
        '"public"."activity_log"': 'tenant-column',
        '"billing"."payments"': 'tenant-column',
        '"public"."tenant_domains"': ['owner_tenant -> "public"."tenants"'],
        '"public"."invoice_items"': ['category_id -> "public"."categories"', 'invoice_id -> "public"."invoices"'],
        '"public"."item_adjustments"': ['invoice_id,line_no -> "public"."invoice_items"'],
        '"billing"."refunds"': ['payment_id -> "billing"."payments"'],
      });
      expect(graph.globalTables).toEqual(['"public"."currencies"', '"public"."exchange_rates"', '"public"."feature_flags"']);
    });

    it('describes columns, keys and owned sequences', () => {
      const spec = (name: string) => graph.tables.find((t) => t.qualifiedName === name)!;
      const column = (table: string, name: string) => spec(table).columns.find((c) => c.name === name)!;

      expect(column('"public"."invoices"', 'total')).toMatchObject({ generated: true, type: 'numeric(14,2)' });
      expect(column('"public"."invoices"', 'status')).toMatchObject({ type: 'public.invoice_status', hasDefault: true, nullable: false });
      expect(column('"billing"."payments"', 'method').type).toBe('billing.payment_method');
      expect(column('"public"."users"', 'roles').type).toBe('text[]');
      expect(column('"public"."users"', 'id').identity).toBe('a');
      expect(column('"public"."item_adjustments"', 'id').identity).toBe('d');
      expect(column('"public"."categories"', 'id')).toMatchObject({ identity: null, hasDefault: true });
      expect(spec('"public"."invoice_items"').primaryKey).toEqual(['invoice_id', 'line_no']);
      expect(spec('"public"."item_adjustments"').foreignKeys[0]).toMatchObject({ columns: ['invoice_id', 'line_no'], referencedColumns: ['invoice_id', 'line_no'] });
      expect(spec('"public"."categories"').foreignKeys.map((fk) => fk.references)).toContain('"public"."categories"');
      expect(Object.fromEntries(graph.tables.flatMap((t) => t.sequences.map((s) => [s.sequence, `${t.name}.${s.column}`])))).toEqual({
        '"public"."users_id_seq"': 'users.id',
        '"public"."categories_id_seq"': 'categories.id',
        '"public"."invoices_id_seq"': 'invoices.id',
        '"public"."item_adjustments_id_seq"': 'item_adjustments.id',
        '"public"."activity_log_id_seq"': 'activity_log.id',
        '"billing"."payments_id_seq"': 'payments.id',
      });
    });

    it('orders parents before children', () => {
      const position = new Map(graph.tables.map((t, i) => [t.qualifiedName, i]));
      expect(graph.tables[0].qualifiedName).toBe('"public"."tenants"');
      for (const [i, table] of graph.tables.entries()) {
        for (const fk of table.foreignKeys) {
          if (fk.references !== table.qualifiedName && position.has(fk.references)) expect(position.get(fk.references)).toBeLessThan(i);
        }
      }
    });

    it('lists and finds tenants', async () => {
      expect(await listTenantIds(client, DEFAULT_TENANCY, { activeOnly: true })).toEqual([A.id, B.id]);
      expect(await listTenantIds(client, DEFAULT_TENANCY, { activeOnly: false })).toEqual([A.id, B.id, C.id]);
      expect(await listTenantIds(client, { ...DEFAULT_TENANCY, tenantTable: 'public.tenants', activeFilter: null }, { activeOnly: true })).toHaveLength(3);
      expect(await tenantExists(client, DEFAULT_TENANCY, C.id)).toBe(true);
      expect(await tenantExists(client, DEFAULT_TENANCY, '44444444-4444-4444-8444-444444444444')).toBe(false);
      expect(await tenantExists(client, DEFAULT_TENANCY, "x' OR '1'='1")).toBe(false);
    });

    it('rejects a tenancy configuration naming what does not exist', async () => {
      await expect(discoverTenantGraph(client, { ...DEFAULT_TENANCY, tenantTable: 'organisations' })).rejects.toThrow(TenancyConfigError);
      await expect(discoverTenantGraph(client, { ...DEFAULT_TENANCY, tenantTable: 'billing.tenants' })).rejects.toThrow(TenancyConfigError);
      await expect(discoverTenantGraph(client, { ...DEFAULT_TENANCY, tenantIdColumn: 'org_id' })).rejects.toMatchObject({ code: 'TENANT.CONFIG_INVALID' });
    });
  });

  describe('export', () => {
    it("yields exactly the tenant's rows of every tenant table, and nothing else", async () => {
      const exp = await openTenantExport(db.url, DEFAULT_TENANCY, A.id);
      const exported = await readExport(exp);
      await exp.close();

      expect(exp.serverVersion).toMatch(/^\d+/);
      expect([...exported.keys()]).toEqual(exp.graph.tables.map((t) => t.qualifiedName));
      expect([...exported.keys()].sort()).toEqual(Object.keys(TENANT_ROW_COUNTS).sort());
      for (const [name, table] of exported) {
        const { rows } = await client.query(TENANT_ROW_COUNTS[name], [A.id]);
        expect({ name, rows: table.lines.length }).toEqual({ name, rows: Number(rows[0].count) });
        expect(table.lines.length).toBeGreaterThan(0);
        for (const line of table.lines) expect(line.split('\t')).toHaveLength(table.columns.length);
      }

      const text = [...exported.values()].flatMap((t) => t.lines).join('\n');
      expect(text).toContain(A.slug);
      for (const other of [B, C]) {
        expect(text).not.toContain(other.id);
        expect(text.toLowerCase()).not.toContain(other.slug);
      }
      const { rows: otherCustomers } = await client.query('SELECT id::text FROM customers WHERE tenant_id <> $1', [A.id]);
      for (const { id } of otherCustomers) expect(text).not.toContain(id);
      expect(text).not.toContain('Japanese Yen'); // global rows
    });

    it('leaves stored generated columns out of the column list', async () => {
      const exp = await openTenantExport(db.url, DEFAULT_TENANCY, C.id);
      const exported = await readExport(exp);
      await exp.close();
      const invoices = exp.graph.tables.find((t) => t.name === 'invoices')!;
      expect(exported.get(invoices.qualifiedName)!.columns).toEqual(columnsForCopy(invoices));
      expect(columnsForCopy(invoices)).not.toContain('total');
      expect(columnsForCopy(invoices)).toEqual(invoices.columns.map((c) => c.name).filter((c) => c !== 'total'));
    });

    it('reads one snapshot while another connection commits parents and children', async () => {
      const exp = await openTenantExport(db.url, DEFAULT_TENANCY, A.id);
      const exported = await readExport(exp, async (name) => {
        if (name !== '"public"."invoices"') return;
        // Between reading invoices and reading their items: without a snapshot the export would hold orphans.
        await client.query('BEGIN');
        const { rows } = await client.query(
          `INSERT INTO invoices (tenant_id, customer_id, number, currency, issued_on, payment_terms, subtotal, tax_rate, created_at, updated_at)
           SELECT $1, id, 'LATE-' || n, 'EUR', '2025-01-01', '30 days', 10, 0, now(), now()
           FROM (SELECT id FROM customers WHERE tenant_id = $1 ORDER BY id LIMIT 1) c, generate_series(1, 3) n
           RETURNING id`,
          [A.id],
        );
        for (const { id } of rows) {
          await client.query(`INSERT INTO invoice_items (invoice_id, line_no, description, quantity, unit_price) VALUES ($1, 1, 'late item', 1, 1)`, [id]);
          await client.query(`INSERT INTO item_adjustments (invoice_id, line_no, reason, amount) VALUES ($1, 1, 'late adjustment', 1)`, [id]);
          await client.query(`INSERT INTO billing.payments (tenant_id, invoice_id, amount, currency, method, paid_at) VALUES ($2, $1, 10, 'EUR', 'card', now())`, [id, A.id]);
        }
        const { rows: existing } = await client.query(`SELECT id FROM invoices WHERE tenant_id = $1 ORDER BY id LIMIT 1`, [A.id]);
        await client.query(`INSERT INTO invoice_items (invoice_id, line_no, description, quantity, unit_price) VALUES ($1, 99, 'late item', 1, 1)`, [existing[0].id]);
        await client.query('COMMIT');
      });
      await exp.close();

      const lines = [...exported.values()].flatMap((t) => t.lines);
      expect(lines.filter((line) => /LATE-|late item|late adjustment/.test(line))).toEqual([]);

      const ids = (name: string, ...columns: string[]) => {
        const table = exported.get(name)!;
        return new Set(table.lines.map((line) => columns.map((c) => field(table, line, c)).join('/')));
      };
      const subset = (children: Set<string>, parents: Set<string>) => [...children].filter((k) => !parents.has(k));
      expect(subset(ids('"public"."invoice_items"', 'invoice_id'), ids('"public"."invoices"', 'id'))).toEqual([]);
      expect(subset(ids('"public"."item_adjustments"', 'invoice_id', 'line_no'), ids('"public"."invoice_items"', 'invoice_id', 'line_no'))).toEqual([]);
      expect(subset(ids('"billing"."payments"', 'invoice_id'), ids('"public"."invoices"', 'id'))).toEqual([]);
      expect(subset(ids('"billing"."refunds"', 'payment_id'), ids('"billing"."payments"', 'id'))).toEqual([]);
      expect(subset(ids('"public"."invoices"', 'customer_id'), ids('"public"."customers"', 'id'))).toEqual([]);
    });

    it('refuses an unknown tenant and closes its connection', async () => {
      const unknown = '44444444-4444-4444-8444-444444444444';
      await expect(openTenantExport(db.url, DEFAULT_TENANCY, unknown)).rejects.toThrow(TenantNotFoundError);
      await expect(openTenantExport(db.url, DEFAULT_TENANCY, unknown)).rejects.toMatchObject({ code: 'TENANT.NOT_FOUND', tenantId: unknown });
      await expectNoExportConnections(client);
    });

    it.each(['../../etc', "x' OR '1'='1", `${A.id}' OR '1'='1`, ''])('rejects the tenant id %p before any SQL', async (bad) => {
      // Nothing listens there: reaching the network would fail differently.
      await expect(openTenantExport('postgresql://postgres@127.0.0.1:1/nothing', DEFAULT_TENANCY, bad)).rejects.toThrow(InvalidTenantIdError);
    });

    it('insists on each table being read to its end, and closes even when it is not', async () => {
      const exp = await openTenantExport(db.url, DEFAULT_TENANCY, A.id);
      const tables = exp.tables()[Symbol.asyncIterator]();
      await tables.next(); // tenants, left unread
      await expect(tables.next()).rejects.toThrow(ExportStreamNotConsumedError);
      await exp.close();
      await exp.close();
      await expect(exp.tables()[Symbol.asyncIterator]().next()).rejects.toThrow(ExportClosedError);
      await expectNoExportConnections(client);
    });

    it('closes when the consumer stops midway', async () => {
      const exp = await openTenantExport(db.url, DEFAULT_TENANCY, A.id);
      for await (const { data } of exp.tables()) {
        await new Promise((resolve) => data.once('readable', resolve));
        break;
      }
      await exp.close();
      await expectNoExportConnections(client);
    });
  });
});
