import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import {
  CUSTOMER_EXPORT_APPLICATION_NAME,
  CUSTOMER_EXPORT_FORMAT_VERSION,
  CustomerExportManifest,
  CustomerExportTableError,
  createCustomerExport,
} from '../../libs/customer-export';
import { DEFAULT_TENANCY, DEMO_TENANTS } from '../../libs/demo-platform';
import { ParsedCsv, psqlFile, readCsv, unzipInto, writeCustomerExportZip, zipEntryNames } from '../support/customer-export-files';
import { tableContentHashes } from '../support/table-hashes';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait-for';

const { A, B, C } = DEMO_TENANTS;
const MISC = 'billing.Misc Values.ü';

/**
 * Types and names the demo platform lacks, added to this file's copy of it: a timestamp without time zone, timetz,
 * float, money, domains (one over bytea), bytea long enough for encode() to break its lines, arrays of bytea, enums
 * and timestamps, a range, json (kept as written), odd table and column names. Plus many activity_log rows for
 * tenant A with line breaks in quoted fields, so a table spans many COPY chunks.
 */
const EXTRA_SQL = String.raw`
CREATE DOMAIN positive_amount AS numeric(10, 2) CHECK (VALUE > 0);
CREATE DOMAIN blob AS bytea;
CREATE DOMAIN small_count AS integer CHECK (VALUE >= 0);
CREATE TABLE billing."Misc Values.ü" (
  id integer PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  local_at timestamp,
  local_day date,
  wall_clock timetz,
  ratio double precision,
  price money,
  amount positive_amount,
  payload blob,
  chunks bytea[],
  statuses invoice_status[],
  stamps timestamptz[],
  span int4range,
  counts small_count[],
  doc json,
  "Mixed Case, ""Quoted"" Column" text NOT NULL
);
INSERT INTO billing."Misc Values.ü" VALUES
  (1, '${A.id}', '2024-02-29 23:59:59.999999', '2000-01-01', '09:30:00+02', 0.1, 1234.5, 12.34,
   decode(repeat('00ff5c0a0d22', 20), 'hex'), ARRAY['\x00ff'::bytea, NULL], '{draft,paid}',
   ARRAY['2024-01-01 00:00+01'::timestamptz, NULL], '[1,10)', '{1,NULL,3}', '{"b": 1,  "a": [1, 2]}', E'multi\nline "x", y'),
  (2, '${A.id}', '-infinity', 'infinity', NULL, 'NaN', -0.01, NULL, ''::bytea, '{}', '{}', NULL, 'empty', '{}', 'null', ''),
  (3, '${B.id}', '2024-01-01', '2024-01-01', NULL, 1e300, 1, 1, NULL, NULL, NULL, NULL, NULL, NULL, '"globex"', 'globex');
INSERT INTO activity_log (tenant_id, entity, entity_id, action, at)
SELECT '${A.id}', 'bulk', i::text, E'line one\nline "two", ' || repeat('x', i % 50), timestamptz '2024-06-01 00:00:00+00' + i * interval '1 second'
FROM generate_series(1, 5000) i;
`;

/** Row counts of tenant A, written by hand from the fixture's schema rather than derived from the graph. */
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
  [MISC]: 'SELECT count(*) FROM billing."Misc Values.ü" WHERE tenant_id = $1',
};

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const byId = (csv: ParsedCsv, key = 'id') => new Map(csv.rows.map((r) => [r[key]!, r]));

describe('customer export', () => {
  let source: TestDatabase;
  let client: Client;
  let root: string;
  let dir: string;
  let zip: string;
  let manifest: CustomerExportManifest;
  let entries: string[];
  const progress: [number, number][] = [];
  const createdAt = new Date('2025-01-02T03:04:05.678Z');

  const fileOf = (name: string) => manifest.tables.find((t) => t.name === name)!.file;
  // Parsed once: the tests only read them.
  const parsed = new Map<string, Promise<ParsedCsv>>();
  const csvOf = (name: string) => {
    if (!parsed.has(name)) parsed.set(name, readCsv(join(dir, fileOf(name))));
    return parsed.get(name)!;
  };

  beforeAll(async () => {
    source = await createTestDatabase('platform', 'customer_export');
    client = new Client({ connectionString: source.url });
    await client.connect();
    await client.query(EXTRA_SQL);
    root = await mkdtemp(join(tmpdir(), 'customer-export-'));
    zip = join(root, 'export.zip');
    dir = join(root, 'files');
    manifest = await writeCustomerExportZip(
      { connectionString: source.url, tenancy: DEFAULT_TENANCY, tenantId: A.id, createdAt, onProgress: (done, total) => progress.push([done, total]) },
      zip,
    );
    entries = await zipEntryNames(zip);
    await unzipInto(zip, dir);
  });

  afterAll(async () => {
    await client?.end();
    await source?.drop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('holds README.txt and schema.sql first, one CSV per tenant table, and manifest.json last', async () => {
    expect(manifest.tables.map((t) => t.name).sort()).toEqual(Object.keys(TENANT_ROW_COUNTS).sort());
    expect(entries).toEqual(['README.txt', 'schema.sql', ...manifest.tables.map((t) => t.file), 'manifest.json']);
    expect(fileOf('public.users')).toBe('public.users.csv');
    expect(fileOf(MISC)).toBe('billing.Misc%20Values%2E%C3%BC.csv');
    expect(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'))).toEqual(manifest);
    expect(manifest).toMatchObject({ formatVersion: CUSTOMER_EXPORT_FORMAT_VERSION, tenantId: A.id, createdAt: '2025-01-02T03:04:05.678Z' });
  });

  it('records the size and sha256 of every file as extracted', async () => {
    for (const entry of [manifest.readme, manifest.schema, ...manifest.tables]) {
      const bytes = await readFile(join(dir, entry.file));
      expect({ file: entry.file, bytes: bytes.length, sha256: sha256(bytes) }).toEqual({ file: entry.file, bytes: entry.bytes, sha256: entry.sha256 });
    }
  });

  it('reports progress table by table', () => {
    const total = manifest.tables.length;
    expect(progress).toEqual(Array.from({ length: total + 1 }, (_, i) => [i, total]));
  });

  it('writes UTF-8 with a byte order mark and a header naming every column, generated ones included', async () => {
    for (const table of manifest.tables) {
      const bytes = await readFile(join(dir, table.file));
      expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
      const { rows } = await client.query<{ name: string }>(
        `SELECT attname AS name FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
        [`"${table.schema}"."${table.table}"`],
      );
      expect((await csvOf(table.name)).header).toEqual(rows.map((r) => r.name));
    }
    expect((await csvOf('public.invoices')).header).toContain('total');
    expect(manifest.tables.find((t) => t.name === 'public.invoices')!.columns.find((c) => c.name === 'total')).toMatchObject({ generated: true, encoding: 'number' });
  });

  it("holds exactly the tenant's rows of every table, as manifest.json counts them", async () => {
    for (const [name, sql] of Object.entries(TENANT_ROW_COUNTS)) {
      const expected = Number((await client.query<{ count: string }>(sql, [A.id])).rows[0].count);
      const csv = await csvOf(name);
      expect({ name, rows: csv.rows.length, manifest: manifest.tables.find((t) => t.name === name)!.rows }).toEqual({ name, rows: expected, manifest: expected });
    }
    expect(manifest.tables.find((t) => t.name === 'public.activity_log')!.rows).toBeGreaterThan(5000);
  });

  it('never holds a row of another tenant nor a global table', async () => {
    expect(entries.filter((e) => /currencies|exchange_rates|feature_flags/.test(e))).toEqual([]);
    for (const table of manifest.tables) {
      const text = (await readFile(join(dir, table.file), 'utf8')).toLowerCase();
      for (const other of [B.slug, C.slug, B.id, C.id]) expect({ file: table.file, leaks: text.includes(other) }).toEqual({ file: table.file, leaks: false });
    }
  });

  it('keeps unicode text as stored and NULL apart from the empty string', async () => {
    const { rows } = await client.query<{ id: string; display_name: string; bio: string | null }>('SELECT id::text, display_name, bio FROM users WHERE tenant_id = $1', [A.id]);
    const users = byId(await csvOf('public.users'));
    for (const row of rows) expect({ id: row.id, display_name: users.get(row.id)!.display_name, bio: users.get(row.id)!.bio }).toEqual(row);
    const bios = rows.map((r) => r.bio);
    expect(bios).toEqual(expect.arrayContaining([null, '', String.raw`\N`, 'NULL', 'Line one\nline two\ttabbed \\back\\slash', 'carriage\r\nreturn, trailing backslash \\']));
    expect((await csvOf('public.tenants')).rows[0].name).toBe(A.name);
    const misc = byId(await csvOf(MISC));
    expect(misc.get('1')!['Mixed Case, "Quoted" Column']).toBe('multi\nline "x", y');
    expect(misc.get('2')!['Mixed Case, "Quoted" Column']).toBe('');
    expect(misc.get('2')!.wall_clock).toBeNull();
  });

  it('writes numbers, booleans and enum labels as stored, generated totals included', async () => {
    const customers = byId(await csvOf('public.customers'));
    const { rows } = await client.query<{ id: string; balance: string; lifetime_value: string | null; external_ref: string | null }>(
      'SELECT id::text, balance::text, lifetime_value::text, external_ref::text FROM customers WHERE tenant_id = $1',
      [A.id],
    );
    for (const row of rows) {
      const csv = customers.get(row.id)!;
      expect({ id: row.id, balance: csv.balance, lifetime_value: csv.lifetime_value, external_ref: csv.external_ref }).toEqual(row);
    }
    expect(rows.map((r) => r.lifetime_value)).toContain('NaN');

    const invoices = byId(await csvOf('public.invoices'));
    const stored = await client.query<{ id: string; status: string; total: string }>('SELECT id::text, status::text, total::text FROM invoices WHERE tenant_id = $1', [A.id]);
    for (const row of stored.rows) expect({ id: row.id, status: invoices.get(row.id)!.status, total: invoices.get(row.id)!.total }).toEqual(row);

    const users = (await csvOf('public.users')).rows;
    expect(new Set(users.map((u) => u.is_admin))).toEqual(new Set(['true', 'false']));
    const misc = byId(await csvOf(MISC));
    expect([misc.get('1')!.ratio, misc.get('1')!.price, misc.get('1')!.amount, misc.get('2')!.ratio, misc.get('2')!.price]).toEqual(['0.1', '1234.50', '12.34', 'NaN', '-0.01']);
  });

  it('writes json as stored and bytea as base64 on one line', async () => {
    const customers = byId(await csvOf('public.customers'));
    const { rows } = await client.query<{ id: string; metadata: unknown }>('SELECT id::text, metadata FROM customers WHERE tenant_id = $1', [A.id]);
    for (const row of rows) {
      const text = customers.get(row.id)!.metadata;
      expect({ id: row.id, metadata: text === null ? null : JSON.parse(text) }).toEqual(row);
    }

    const users = byId(await csvOf('public.users'));
    const avatars = await client.query<{ id: string; avatar: Buffer | null }>('SELECT id::text, avatar FROM users WHERE tenant_id = $1', [A.id]);
    for (const row of avatars.rows) {
      const text = users.get(row.id)!.avatar;
      expect({ id: row.id, avatar: text === null ? null : Buffer.from(text, 'base64') }).toEqual(row);
    }
    expect(avatars.rows.some((r) => r.avatar !== null)).toBe(true);

    const misc = byId(await csvOf(MISC));
    const payload = misc.get('1')!.payload!;
    expect(payload).toMatch(/^[A-Za-z0-9+/]{100,}=*$/);
    expect(Buffer.from(payload, 'base64')).toEqual(Buffer.from('00ff5c0a0d22'.repeat(20), 'hex'));
    expect(misc.get('2')!.payload).toBe('');
    expect(misc.get('2')!.amount).toBeNull();
    expect([misc.get('1')!.doc, misc.get('2')!.doc]).toEqual(['{"b": 1,  "a": [1, 2]}', 'null']);
  });

  it('writes arrays as PostgreSQL array literals', async () => {
    const users = byId(await csvOf('public.users'));
    const { rows } = await client.query<{ id: string; roles: string }>('SELECT id::text, roles::text FROM users WHERE tenant_id = $1', [A.id]);
    for (const row of rows) expect({ id: row.id, roles: users.get(row.id)!.roles }).toEqual(row);
    expect(rows.map((r) => r.roles)).toContain(String.raw`{member,"a,b","say \"hi\"",NULL,"back\\slash","{brace}",""}`);

    const customers = byId(await csvOf('public.customers'));
    const stored = await client.query<{ id: string; tags: string | null; scores: string | null }>('SELECT id::text, tags::text, scores::text FROM customers WHERE tenant_id = $1', [A.id]);
    for (const row of stored.rows) expect({ id: row.id, tags: customers.get(row.id)!.tags, scores: customers.get(row.id)!.scores }).toEqual(row);

    const misc = byId(await csvOf(MISC));
    expect([misc.get('1')!.chunks, misc.get('1')!.statuses, misc.get('1')!.stamps, misc.get('1')!.counts, misc.get('2')!.statuses]).toEqual([
      String.raw`{"\\x00ff",NULL}`,
      '{draft,paid}',
      '{"2023-12-31 23:00:00+00",NULL}',
      '{1,NULL,3}',
      '{}',
    ]);
    const columns = manifest.tables.find((t) => t.name === MISC)!.columns;
    expect(columns.filter((c) => c.name === 'counts' || c.name === 'amount' || c.name === 'payload').map((c) => [c.name, c.sourceType, c.loadType, c.encoding])).toEqual([
      ['amount', 'public.positive_amount', 'numeric(10,2)', 'number'],
      ['payload', 'public.blob', 'text', 'base64'],
      ['counts', 'public.small_count[]', 'integer[]', 'array'],
    ]);
  });

  it('writes timestamps as ISO 8601 (UTC with Z when zoned), dates as YYYY-MM-DD and intervals as ISO 8601 durations', async () => {
    const users = (await csvOf('public.users')).rows;
    const logins = users.map((u) => u.last_login_at).filter((v): v is string => v !== null);
    expect(logins).toContain('-infinity');
    for (const v of logins.filter((l) => l !== '-infinity')) expect(v).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/);
    // PostgreSQL reads each value back as exactly the stored instant, microseconds included.
    const differing = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM unnest($1::bigint[], $2::text[], $3::text[]) AS c(id, login, created)
       JOIN users u ON u.id = c.id
       WHERE u.last_login_at IS DISTINCT FROM c.login::timestamptz OR u.created_at IS DISTINCT FROM c.created::timestamptz`,
      [users.map((u) => u.id), users.map((u) => u.last_login_at), users.map((u) => u.created_at)],
    );
    expect(differing.rows[0].n).toBe(0);
    expect(users.map((u) => u.birth_date)).toEqual(expect.arrayContaining(['infinity', '1971-01-03']));

    const invoices = (await csvOf('public.invoices')).rows;
    for (const i of invoices) expect(i.payment_terms).toMatch(/^P(-?\d+[YMD])*(T(-?[\d.]+[HMS])+)?$/);
    expect(invoices.map((i) => i.payment_terms)).toEqual(expect.arrayContaining(['P30D', 'P1M2DT3H4M5.678901S', 'P-1D', 'P1Y2M']));
    expect(invoices[0].issued_on).toMatch(/^\d{4}-\d\d-\d\d$/);

    const misc = byId(await csvOf(MISC));
    expect([misc.get('1')!.local_at, misc.get('1')!.local_day, misc.get('2')!.local_at, misc.get('2')!.local_day]).toEqual([
      '2024-02-29T23:59:59.999999',
      '2000-01-01',
      '-infinity',
      'infinity',
    ]);
  });

  it("loads into an empty database with schema.sql and the README's psql commands, row for row", async () => {
    const target = await createTestDatabase(undefined, 'customer_export_load');
    const loaded = new Client({ connectionString: target.url });
    try {
      await psqlFile(target.url, 'schema.sql', dir);
      // The README's own commands, as a customer would paste them.
      const readme = await readFile(join(dir, 'README.txt'), 'utf8');
      const commands = readme
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.startsWith('\\copy ') || l.startsWith('ALTER TABLE '));
      expect(commands.filter((c) => c.startsWith('\\copy '))).toHaveLength(manifest.tables.length);
      const byteaColumns = manifest.tables.flatMap((t) => t.columns.filter((c) => c.encoding === 'base64'));
      expect(commands.filter((c) => c.startsWith('ALTER TABLE '))).toHaveLength(byteaColumns.length);
      expect(byteaColumns.map((c) => c.name).sort()).toEqual(['attachment', 'avatar', 'logo', 'payload']);
      const script = join(root, 'load.psql');
      await writeFile(script, `${commands.join('\n')}\n`);
      await psqlFile(target.url, script, dir);

      await loaded.connect();
      expect(await tableContentHashes(loaded)).toEqual(await tableContentHashes(client, { tenantId: A.id }));
      const { rows } = await loaded.query(`SELECT count(*)::int AS n FROM users WHERE bio = ''`);
      expect(rows[0].n).toBeGreaterThan(0);
    } finally {
      await loaded.end().catch(() => undefined);
      await target.drop();
    }
  });

  it('refuses a malformed or unknown tenant before streaming anything, and leaves no connection behind', async () => {
    const options = { connectionString: source.url, tenancy: DEFAULT_TENANCY, createdAt };
    await expect(createCustomerExport({ ...options, tenantId: "1' OR '1'='1" })).rejects.toMatchObject({ code: 'TENANT.INVALID_ID' });
    await expect(createCustomerExport({ ...options, tenantId: randomUUID() })).rejects.toMatchObject({ code: 'TENANT.NOT_FOUND' });
    await expectNoExportConnections(client);
  });

  it('stops, rejects and closes its snapshot when the consumer goes away mid-export', async () => {
    // The big table is exported once the tables before it are done: the consumer leaves in the middle of its COPY.
    const before = manifest.tables.findIndex((t) => t.name === 'public.activity_log');
    const seen: number[] = [];
    const { stream, result } = await createCustomerExport({
      connectionString: source.url,
      tenancy: DEFAULT_TENANCY,
      tenantId: A.id,
      createdAt,
      onProgress: (done) => seen.push(done),
    });
    stream.on('data', () => {
      if (seen.at(-1) === before) stream.destroy();
    });
    await expect(result).rejects.toMatchObject({ code: 'CUSTOMER_EXPORT.ABORTED' });
    expect(seen.at(-1)).toBe(before);
    await expectNoExportConnections(client);
  });

  it('fails naming the table, and errors the stream, when the platform connection is lost mid-export', async () => {
    const before = manifest.tables.findIndex((t) => t.name === 'public.activity_log');
    let terminated: Promise<unknown> | undefined;
    const { stream, result } = await createCustomerExport({
      connectionString: source.url,
      tenancy: DEFAULT_TENANCY,
      tenantId: A.id,
      createdAt,
      onProgress: (done) => {
        if (done === before) {
          terminated = client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1', [
            CUSTOMER_EXPORT_APPLICATION_NAME,
          ]);
        }
      },
    });
    // The consumer takes nothing until the connection is gone: back-pressure holds the export at the big table.
    const gone = waitFor('the export to reach the big table', () => terminated).then(() => terminated);
    const consumed = pipeline(stream, new Writable({ write: (_chunk, _encoding, callback) => void gone.then(() => callback(), callback) }));
    const error = await result.then(() => null, (err: unknown) => err as CustomerExportTableError);
    expect(error).toBeInstanceOf(CustomerExportTableError);
    // The big table, or the next one if its rows were all on their way when the connection went.
    expect(manifest.tables.slice(before).map((t) => t.name)).toContain(error!.table);
    await expect(consumed).rejects.toBe(error);
    await expectNoExportConnections(client);
  });
});

async function expectNoExportConnections(client: Client): Promise<void> {
  await waitFor('the export connections to close', async () => {
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
      [CUSTOMER_EXPORT_APPLICATION_NAME],
    );
    return rows[0].n === 0;
  });
}
