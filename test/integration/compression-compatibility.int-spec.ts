import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DEFAULT_BLOCK_SIZE } from '../../libs/archive/parallel-gzip';
import { createDecryptStream, KeyRing } from '../../libs/crypto';
import { DEMO_TENANTS } from '../../libs/demo-platform';
import { tableContentHashes } from '../support/table-hashes';
import { restoreTenantFromFile, writeTenantArchive } from '../support/tenant-archive';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/**
 * Written by TenantVault before parallel compression (commit 921a834): demo tenant C of a freshly seeded demo platform,
 * its tar deflated as ONE gzip member by zlib's createGzip, then sealed with the key below.
 */
const SINGLE_MEMBER_OBJECT = join(__dirname, '../fixtures/tenant-backup-single-member-gzip.tvb');
const FIXTURE_RING = KeyRing.fromBase64(Buffer.alloc(32, 0x42).toString('base64'));
const { C } = DEMO_TENANTS;

/** The gzip stream inside a stored object: decrypted, not decompressed. */
async function compressedOf(file: string, ring: KeyRing): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(file).pipe(createDecryptStream(ring))) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('compression: objects written before and after parallel gzip', () => {
  let db: TestDatabase;
  let client: Client;
  let dir: string;

  beforeEach(async () => {
    db = await createTestDatabase('platform', 'compat');
    client = new Client({ connectionString: db.url });
    await client.connect();
    dir = await mkdtemp(join(tmpdir(), 'tv-compat-'));
  });

  afterEach(async () => {
    await client.end();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('restores a single-member object written before the change', async () => {
    const seeded = await tableContentHashes(client, { tenantId: C.id });
    await client.query(`DELETE FROM tenant_domains WHERE owner_tenant = $1`, [C.id]);
    await client.query(`UPDATE users SET display_name = 'changed' WHERE tenant_id = $1`, [C.id]);
    expect(await tableContentHashes(client, { tenantId: C.id })).not.toEqual(seeded);

    const result = await restoreTenantFromFile(db.url, C.id, SINGLE_MEMBER_OBJECT, FIXTURE_RING, { mode: 'FULL' });

    expect(Object.values(result.rowsRestored).reduce((a, b) => a + b, 0)).toBe(59);
    expect(await tableContentHashes(client, { tenantId: C.id })).toEqual(seeded);
  });

  it('writes several gzip members for a tenant larger than a block, and restores them', async () => {
    const ring = KeyRing.fromBase64(randomBytes(32).toString('base64'));
    // Enough rows for a tar of several 1 MiB blocks.
    await client.query(`INSERT INTO users (tenant_id, email, display_name, bio, created_at)
      SELECT $1, 'bulk' || i || '@example.test', 'Bulk user ' || i, repeat(md5(i::text), 20), '2024-01-01' FROM generate_series(1, 6000) i`, [C.id]);
    const before = await tableContentHashes(client, { tenantId: C.id });
    const file = join(dir, 'multi.tvb');
    await writeTenantArchive(db.url, C.id, file, ring);

    // The stored gzip is the members of each 1 MiB block of the tar, in order.
    const gz = await compressedOf(file, ring);
    const plain = gunzipSync(gz);
    expect(plain.length).toBeGreaterThan(3 * DEFAULT_BLOCK_SIZE);
    const members = [];
    for (let at = 0; at < plain.length; at += DEFAULT_BLOCK_SIZE) members.push(gzipSync(plain.subarray(at, at + DEFAULT_BLOCK_SIZE), { level: 6 }));
    expect(gz.equals(Buffer.concat(members))).toBe(true);

    await client.query(`DELETE FROM users WHERE tenant_id = $1 AND email LIKE 'bulk%'`, [C.id]);
    await restoreTenantFromFile(db.url, C.id, file, ring, { mode: 'FULL' });
    expect(await tableContentHashes(client, { tenantId: C.id })).toEqual(before);
  });
});
