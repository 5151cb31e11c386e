import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { KeyRing } from '../../libs/crypto';
import { DEMO_TENANTS } from '../../libs/demo-platform';
import { tableContentHashes } from '../support/table-hashes';
import { readTenantArchive, restoreTenantFromFile, writeTenantArchive } from '../support/tenant-archive';
import { createTestDatabase, TestDatabase } from '../support/test-database';

const { A, B } = DEMO_TENANTS;
const ring = KeyRing.fromBase64(randomBytes(32).toString('base64'));

/** The rows of one table in an archive file, as COPY text lines. */
async function archivedRows(file: string, table: string): Promise<string[]> {
  let text = '';
  for await (const entry of readTenantArchive(file, ring)) {
    if (entry.kind !== 'table') continue;
    for await (const chunk of entry.data) if (entry.name === table) text += (chunk as Buffer).toString('utf8');
  }
  return text === '' ? [] : text.slice(0, -1).split('\n');
}

/**
 * docs/TENANT-SCOPE.md, "A row reachable from two tenants": an invoice item of tenant A's invoice that points at tenant
 * B's category. invoice_items' owning key is invoice_id (NOT NULL); category_id may be NULL and does not decide.
 */
describe('tenant scope: a row reachable from two tenants belongs to its owning key\'s tenant', () => {
  let db: TestDatabase;
  let client: Client;
  let dir: string;
  let item: { invoice_id: string; line_no: number };

  const itemOfA = () => client.query(`SELECT category_id FROM invoice_items WHERE invoice_id = $1 AND line_no = $2`, [item.invoice_id, item.line_no]);

  beforeAll(async () => {
    db = await createTestDatabase('platform', 'ownership');
    client = new Client({ connectionString: db.url });
    await client.connect();
    dir = await mkdtemp(join(tmpdir(), 'tv-ownership-'));
    const { rows } = await client.query(
      `UPDATE invoice_items SET category_id = (SELECT min(id) FROM categories WHERE tenant_id = $2)
       WHERE (invoice_id, line_no) = (SELECT invoice_id, min(line_no) FROM invoice_items WHERE invoice_id = (SELECT min(id) FROM invoices WHERE tenant_id = $1) GROUP BY invoice_id)
       RETURNING invoice_id, line_no`,
      [A.id, B.id],
    );
    item = rows[0];
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("is in A's backup and not in B's", async () => {
    await writeTenantArchive(db.url, A.id, join(dir, 'a.tvb'), ring);
    await writeTenantArchive(db.url, B.id, join(dir, 'b.tvb'), ring);
    const isItem = (line: string) => line.startsWith(`${item.invoice_id}\t${item.line_no}\t`);
    expect((await archivedRows(join(dir, 'a.tvb'), 'public.invoice_items')).filter(isItem)).toHaveLength(1);
    expect((await archivedRows(join(dir, 'b.tvb'), 'public.invoice_items')).filter(isItem)).toHaveLength(0);
  });

  it("is left alone by a FULL restore of B, and brought back by one of A", async () => {
    const aBefore = await tableContentHashes(client, { tenantId: A.id });
    await client.query(`DELETE FROM tenant_domains WHERE owner_tenant = $1`, [B.id]);
    await restoreTenantFromFile(db.url, B.id, join(dir, 'b.tvb'), ring, { mode: 'FULL' });
    expect(await tableContentHashes(client, { tenantId: A.id })).toEqual(aBefore);
    expect((await itemOfA()).rows).toHaveLength(1);

    await client.query(`DELETE FROM item_adjustments WHERE (invoice_id, line_no) = ($1, $2)`, [item.invoice_id, item.line_no]);
    await client.query(`DELETE FROM invoice_items WHERE invoice_id = $1 AND line_no = $2`, [item.invoice_id, item.line_no]);
    await restoreTenantFromFile(db.url, A.id, join(dir, 'a.tvb'), ring, { mode: 'FULL' });
    expect(await tableContentHashes(client, { tenantId: A.id })).toEqual(aBefore);
  });
});
