import { Client } from 'pg';
import { DEFAULT_TENANCY, seedDemoPlatform } from '../../libs/demo-platform';
import { discoverTenantGraph, TenantGraphCache } from '../../libs/tenant-data';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/** The cached graph is reused while the schema is the same and rediscovered, inside the caller's snapshot, when it changes. */
describe('tenant graph cache', () => {
  let db: TestDatabase;
  let client: Client;
  let cache: TenantGraphCache;

  const discover = () => cache.discover(client, DEFAULT_TENANCY);

  beforeAll(async () => {
    db = await createTestDatabase(undefined, 'graph_cache');
    client = new Client({ connectionString: db.url });
    await client.connect();
    await seedDemoPlatform(client);
  });

  beforeEach(() => {
    cache = new TenantGraphCache();
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('gives the same graph while the schema does not change, also across VACUUM, ANALYZE and new rows', async () => {
    const first = await discover();
    expect(first).toEqual(await discoverTenantGraph(client, DEFAULT_TENANCY));
    await client.query(`INSERT INTO feature_flags VALUES ('cache_test', NULL, false)`);
    await client.query('VACUUM ANALYZE');
    expect(await discover()).toBe(first);
  });

  it.each([
    ['a new tenant table', 'CREATE TABLE notes (id int PRIMARY KEY, tenant_id uuid NOT NULL REFERENCES tenants (id))', 'DROP TABLE notes'],
    ['a new column', 'ALTER TABLE invoices ADD COLUMN note text', 'ALTER TABLE invoices DROP COLUMN note'],
    ['an owning key made nullable', 'ALTER TABLE item_adjustments ALTER COLUMN invoice_id DROP NOT NULL', 'ALTER TABLE item_adjustments ALTER COLUMN invoice_id SET NOT NULL'],
    ['a new index', 'CREATE INDEX cache_test_idx ON item_adjustments (invoice_id, line_no)', 'DROP INDEX cache_test_idx'],
    ['a new foreign key', 'ALTER TABLE exchange_rates ADD COLUMN tenant_id uuid REFERENCES tenants (id)', 'ALTER TABLE exchange_rates DROP COLUMN tenant_id'],
    ['a renamed type', 'ALTER TYPE invoice_status RENAME TO invoice_state', 'ALTER TYPE invoice_state RENAME TO invoice_status'],
    ['another search_path', 'SET search_path = billing, public', 'RESET search_path'],
  ])('rediscovers after %s, and again once it is undone', async (_change, change, undo) => {
    const before = await discover();
    await client.query(change);
    try {
      const after = await discover();
      expect(after).not.toBe(before);
      expect(after).toEqual(await discoverTenantGraph(client, DEFAULT_TENANCY));
    } finally {
      await client.query(undo);
    }
    expect(await discover()).toEqual(before);
  });

  it('sees the schema of the snapshot it runs in', async () => {
    const before = await discover();
    const other = new Client({ connectionString: db.url });
    await other.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query('SELECT 1');
      await other.query('ALTER TABLE customers ADD COLUMN late text');
      expect(await discover()).toBe(before);
      await client.query('COMMIT');
      expect((await discover()).tables.find((t) => t.name === 'customers')!.columns.map((c) => c.name)).toContain('late');
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      await other.query('ALTER TABLE customers DROP COLUMN IF EXISTS late');
      await other.end();
    }
  });
});
