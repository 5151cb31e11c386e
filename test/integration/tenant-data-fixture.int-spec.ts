import { Client } from 'pg';
import { discoverTenantGraph } from '../../libs/tenant-data';
import { seedDemoPlatform, DEFAULT_TENANCY, DEMO_TENANTS } from '../../libs/demo-platform';
import { sequenceValues, tableContentHashes } from '../support/table-hashes';
import { createTestDatabase, TestDatabase } from '../support/test-database';

const { A, B, C } = DEMO_TENANTS;

/** The fixture platform and the table fingerprints restore tests compare with. */
describe('fixture platform and table hashes', () => {
  const databases: TestDatabase[] = [];
  const clients: Client[] = [];

  async function seeded(extraRowsPerTenant?: number): Promise<Client> {
    const db = await createTestDatabase(undefined, 'fixture');
    databases.push(db);
    const client = new Client({ connectionString: db.url });
    clients.push(client);
    await client.connect();
    await seedDemoPlatform(client, { extraRowsPerTenant });
    return client;
  }

  let first: Client;
  let second: Client;

  beforeAll(async () => {
    first = await seeded();
    second = await seeded();
  });

  afterAll(async () => {
    for (const client of clients) await client.end();
    for (const db of databases) await db.drop();
  });

  it('seeds the same content every time', async () => {
    expect(await tableContentHashes(second)).toEqual(await tableContentHashes(first));
    expect(await sequenceValues(second)).toEqual(await sequenceValues(first));
  });

  it('hashes every table of every schema, globals included', async () => {
    const hashes = await tableContentHashes(first);
    expect(Object.keys(hashes).sort()).toEqual([
      '"billing"."payments"',
      '"billing"."refunds"',
      '"public"."activity_log"',
      '"public"."categories"',
      '"public"."currencies"',
      '"public"."customers"',
      '"public"."exchange_rates"',
      '"public"."feature_flags"',
      '"public"."invoice_items"',
      '"public"."invoices"',
      '"public"."item_adjustments"',
      '"public"."tenant_domains"',
      '"public"."tenant_features"',
      '"public"."tenant_settings"',
      '"public"."tenants"',
      '"public"."users"',
    ]);
    expect(hashes['"public"."tenants"']).toEqual({ rows: 3, hash: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });

  it("hashes one tenant's rows, and sees a change to one of them", async () => {
    const a = await tableContentHashes(first, { tenantId: A.id });
    const b = await tableContentHashes(first, { tenantId: B.id });
    const graph = await discoverTenantGraph(first, DEFAULT_TENANCY);
    expect(Object.keys(a)).toEqual(graph.tables.map((t) => t.qualifiedName));
    for (const name of Object.keys(a)) expect(a[name].hash).not.toBe(b[name].hash);
    expect(a['"public"."users"'].rows).toBe(30);
    expect((await tableContentHashes(first, { tenantId: C.id }))['"public"."users"'].rows).toBe(6);

    const only = { tenantId: A.id, tables: ['"public"."item_adjustments"'] };
    const before = await tableContentHashes(first, only);
    expect(Object.keys(before)).toEqual(['"public"."item_adjustments"']);
    await first.query(`UPDATE item_adjustments SET reason = reason || '!' WHERE id = (SELECT min(id) FROM item_adjustments)`);
    expect(await tableContentHashes(first, only)).not.toEqual(before);
    expect(await tableContentHashes(first, { tenantId: B.id })).toEqual(b);
  });

  it('covers the column types and shapes of SPEC §11', async () => {
    const { rows } = await first.query<{ type: string }>(
      `SELECT DISTINCT format_type(atttypid, NULL) AS type FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname IN ('public', 'billing') AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped`,
    );
    expect(rows.map((r) => r.type)).toEqual(
      expect.arrayContaining(['text', 'numeric', 'bigint', 'boolean', 'uuid', 'timestamp with time zone', 'date', 'interval', 'jsonb', 'bytea', 'text[]', 'integer[]', 'invoice_status', 'billing.payment_method']),
    );
    const { rows: shapes } = await first.query(
      `SELECT count(*) FILTER (WHERE attidentity = 'a') AS always, count(*) FILTER (WHERE attidentity = 'd') AS by_default,
              count(*) FILTER (WHERE attgenerated = 's') AS generated
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname IN ('public', 'billing')`,
    );
    expect(shapes[0]).toEqual({ always: '2', by_default: '2', generated: '1' });
    const { rows: laterParents } = await first.query(`SELECT count(*)::int AS n FROM categories c JOIN categories p ON p.id = c.parent_id WHERE p.id > c.id`);
    expect(laterParents[0].n).toBeGreaterThan(0); // parents inserted after their children: restores must cope
  });

  it('grows tenants A and B by extraRowsPerTenant, not C', async () => {
    const bigger = await seeded(25);
    const count = async (tenantId: string) => (await tableContentHashes(bigger, { tenantId, tables: ['"public"."invoices"'] }))['"public"."invoices"'].rows;
    expect([await count(A.id), await count(B.id), await count(C.id)]).toEqual([55, 55, 6]);
  });
});
