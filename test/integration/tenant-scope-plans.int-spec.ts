import { Readable } from 'node:stream';
import { Client } from 'pg';
import {
  discoverTenantGraph,
  EXPORT_SNAPSHOT_SQL,
  openTenantExport,
  scopeIndexRecommendations,
  TenancyConfig,
  TenantGraph,
  tenantTableSelect,
} from '../../libs/tenant-data';
import { createTestDatabase, TestDatabase } from '../support/test-database';

const TENANCY: TenancyConfig = { tenantTable: 'tenants', tenantIdColumn: 'tenant_id', activeFilter: null };
const SMALL_TENANTS = 2000;
const LARGE = 'a0000000-0000-4000-8000-000000000000';
const small = (n: number) => `c0000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const SMALL_SQL = (n: string) => `('c0000000-0000-4000-8000-' || lpad(to_hex(${n}), 12, '0'))::uuid`;

/**
 * A bookkeeping platform as a new user brings it: invoice_lines reached through two NOT NULL keys (invoices and
 * products), line_notes one step further, document_links whose two keys may both be NULL (no owning key), and
 * domains keyed to the tenants table; no index on any foreign key. One large tenant beside many small ones.
 */
const SCHEMA = `
  CREATE TABLE tenants (id uuid PRIMARY KEY, name text NOT NULL);
  CREATE TABLE invoices (id bigint PRIMARY KEY, tenant_id uuid NOT NULL REFERENCES tenants, number text NOT NULL);
  CREATE TABLE products (id bigint PRIMARY KEY, tenant_id uuid NOT NULL REFERENCES tenants, sku text NOT NULL);
  CREATE TABLE invoice_lines (id bigint PRIMARY KEY, invoice_id bigint NOT NULL REFERENCES invoices, product_id bigint NOT NULL REFERENCES products, amount numeric NOT NULL);
  CREATE TABLE line_notes (id bigint PRIMARY KEY, line_id bigint NOT NULL REFERENCES invoice_lines, note text NOT NULL);
  CREATE TABLE document_links (id bigint PRIMARY KEY, invoice_id bigint REFERENCES invoices, product_id bigint REFERENCES products, url text NOT NULL);
  CREATE TABLE domains (name text PRIMARY KEY, owner_tenant uuid NOT NULL REFERENCES tenants);`;

/** Ids: the large tenant's rows first, then 5 invoices, 3 products, 10 lines, 10 notes and 2 links per small tenant. */
const DATA = `
  INSERT INTO tenants SELECT '${LARGE}', 'large';
  INSERT INTO tenants SELECT ${SMALL_SQL('n')}, 'small ' || n FROM generate_series(0, ${SMALL_TENANTS - 1}) n;
  INSERT INTO invoices SELECT i, '${LARGE}', 'L-' || i FROM generate_series(1, 60000) i;
  INSERT INTO invoices SELECT 1000000 + n * 5 + k, ${SMALL_SQL('n')}, 'S-' || k FROM generate_series(0, ${SMALL_TENANTS - 1}) n, generate_series(0, 4) k;
  INSERT INTO products SELECT i, '${LARGE}', 'SKU-' || i FROM generate_series(1, 5000) i;
  INSERT INTO products SELECT 1000000 + n * 3 + k, ${SMALL_SQL('n')}, 'S-' || k FROM generate_series(0, ${SMALL_TENANTS - 1}) n, generate_series(0, 2) k;
  INSERT INTO invoice_lines SELECT i, 1 + i % 60000, 1 + i % 5000, i % 1000 FROM generate_series(1, 300000) i;
  INSERT INTO invoice_lines SELECT 1000000 + n * 10 + k, 1000000 + n * 5 + k % 5, 1000000 + n * 3 + k % 3, k FROM generate_series(0, ${SMALL_TENANTS - 1}) n, generate_series(0, 9) k;
  INSERT INTO line_notes SELECT id, id, 'note' FROM invoice_lines;
  INSERT INTO document_links SELECT i, CASE WHEN i % 2 = 0 THEN 1 + i % 60000 END, CASE WHEN i % 2 = 1 THEN 1 + i % 5000 END, 'u' FROM generate_series(1, 100000) i;
  INSERT INTO document_links SELECT 1000000 + n * 2 + k, CASE WHEN k = 0 THEN 1000000 + n * 5 END, CASE WHEN k = 1 THEN 1000000 + n * 3 END, 'u' FROM generate_series(0, ${SMALL_TENANTS - 1}) n, generate_series(0, 1) k;
  INSERT INTO domains SELECT 'large.example', '${LARGE}';
  INSERT INTO domains SELECT 's' || n || '.example', ${SMALL_SQL('n')} FROM generate_series(0, ${SMALL_TENANTS - 1}) n;`;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

async function rowsOf(data: Readable): Promise<string[]> {
  let text = '';
  for await (const chunk of data) text += (chunk as Buffer).toString('utf8');
  return text === '' ? [] : text.slice(0, -1).split('\n');
}

async function exportedRows(url: string, tenantId: string): Promise<Map<string, string[]>> {
  const exp = await openTenantExport(url, TENANCY, tenantId);
  try {
    const tables = new Map<string, string[]>();
    for await (const { table, data } of exp.tables()) tables.set(table.name, await rowsOf(data));
    return tables;
  } finally {
    await exp.close();
  }
}

/** In order: the indexes the first test creates are what the next ones plan with. */
describe('tenant scope: queries sized to the tenant', () => {
  let db: TestDatabase;
  let client: Client;
  let graph: TenantGraph;

  /** The plan of every table's export query for one tenant, in a session set up as exports set theirs up. */
  async function exportPlans(tenantId: string): Promise<{ table: string; plan: Record<string, unknown> }[]> {
    await client.query(EXPORT_SNAPSHOT_SQL);
    try {
      const plans = [];
      for (const table of graph.tables) {
        const { rows } = await client.query<{ 'QUERY PLAN': Record<string, unknown>[] }>(`EXPLAIN (FORMAT JSON) ${tenantTableSelect(graph, table, tenantId)}`);
        plans.push({ table: table.name, plan: rows[0]['QUERY PLAN'][0] });
      }
      return plans;
    } finally {
      await client.query('ROLLBACK');
    }
  }

  const seqScans = async (tenantId: string) =>
    (await exportPlans(tenantId)).flatMap(({ table, plan }) => nodesOf(plan.Plan as PlanNode).filter((n) => n['Node Type'] === 'Seq Scan').map((n) => `${table}: Seq Scan on ${n['Relation Name']}`));

  beforeAll(async () => {
    db = await createTestDatabase(undefined, 'scope');
    client = new Client({ connectionString: db.url });
    await client.connect();
    await client.query(SCHEMA);
    await client.query(DATA);
    // One line whose invoice is small tenant 1's and whose product is small tenant 2's, and a link to both.
    await client.query(`INSERT INTO invoice_lines VALUES (9000001, 1000005, 1000006, 1)`);
    await client.query(`INSERT INTO document_links VALUES (9000001, 1000005, 1000006, 'both')`);
    await client.query('VACUUM ANALYZE');
    graph = await discoverTenantGraph(client, TENANCY);
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('recommends an index for each foreign key and tenant column scoping follows, and none once they exist', async () => {
    const recommended = scopeIndexRecommendations(graph);
    expect(recommended.map((r) => r.sql)).toEqual([
      'CREATE INDEX CONCURRENTLY ON "public"."domains" ("owner_tenant");',
      'CREATE INDEX CONCURRENTLY ON "public"."invoices" ("tenant_id");',
      'CREATE INDEX CONCURRENTLY ON "public"."products" ("tenant_id");',
      'CREATE INDEX CONCURRENTLY ON "public"."document_links" ("invoice_id");',
      'CREATE INDEX CONCURRENTLY ON "public"."document_links" ("product_id");',
      'CREATE INDEX CONCURRENTLY ON "public"."invoice_lines" ("invoice_id");',
      'CREATE INDEX CONCURRENTLY ON "public"."line_notes" ("line_id");',
    ]);
    // Without them, small tenants' exports read whole tables.
    expect(await seqScans(small(7))).not.toEqual([]);

    for (const { sql } of recommended) await client.query(sql);
    await client.query('ANALYZE');
    graph = await discoverTenantGraph(client, TENANCY);
    expect(scopeIndexRecommendations(graph)).toEqual([]);
  });

  it('plans no sequential scan for any small tenant once the recommended indexes exist', async () => {
    for (const n of [0, 1, 2, 777, SMALL_TENANTS - 1]) expect(await seqScans(small(n))).toEqual([]);
  });

  it('turns JIT off in export sessions, where a large table would otherwise get it', async () => {
    await client.query('SET jit_above_cost = 0');
    try {
      const { rows } = await client.query<{ 'QUERY PLAN': Record<string, unknown>[] }>(`EXPLAIN (FORMAT JSON) ${tenantTableSelect(graph, graph.tables.find((t) => t.name === 'invoice_lines')!, LARGE)}`);
      expect(rows[0]['QUERY PLAN'][0]).toHaveProperty('JIT');
      for (const { table, plan } of await exportPlans(LARGE)) expect({ table, jit: 'JIT' in plan }).toEqual({ table, jit: false });
    } finally {
      await client.query('RESET jit_above_cost');
    }
  });

  it("exports each tenant's rows, the large tenant's too, through the owning key; a row both keys of which may be NULL goes to every tenant it reaches", async () => {
    const one = await exportedRows(db.url, small(1));
    const two = await exportedRows(db.url, small(2));
    const large = await exportedRows(db.url, LARGE);
    const count = async (sql: string, tenant: string) => Number((await client.query(sql, [tenant])).rows[0].n);

    for (const [tenant, rows] of [[small(1), one], [small(2), two], [LARGE, large]] as const) {
      expect(rows.get('invoice_lines')!.length).toBe(await count('SELECT count(*) AS n FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id WHERE i.tenant_id = $1', tenant));
      expect(rows.get('line_notes')!.length).toBe(await count('SELECT count(*) AS n FROM line_notes n JOIN invoice_lines l ON l.id = n.line_id JOIN invoices i ON i.id = l.invoice_id WHERE i.tenant_id = $1', tenant));
      expect(rows.get('document_links')!.length).toBe(
        await count('SELECT count(*) AS n FROM document_links d WHERE d.invoice_id IN (SELECT id FROM invoices WHERE tenant_id = $1) OR d.product_id IN (SELECT id FROM products WHERE tenant_id = $1)', tenant),
      );
    }
    expect(large.get('invoice_lines')).toHaveLength(300_000);
    // The line of tenant 1's invoice and tenant 2's product belongs to tenant 1 (its invoice: the owning key) only.
    expect(one.get('invoice_lines')!.filter((r) => r.startsWith('9000001\t'))).toHaveLength(1);
    expect(two.get('invoice_lines')!.filter((r) => r.startsWith('9000001\t'))).toHaveLength(0);
    // The link has no owning key: both tenants have it.
    expect(one.get('document_links')!.filter((r) => r.startsWith('9000001\t'))).toHaveLength(1);
    expect(two.get('document_links')!.filter((r) => r.startsWith('9000001\t'))).toHaveLength(1);
  });
});
