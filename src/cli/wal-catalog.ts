import { Client } from 'pg';
import type { WalSidecar } from '../../libs/pitr/wal-archive';
import { parseWalFileName } from '../../libs/pitr/wal-names';

/**
 * Records an archived WAL file in the catalog's `wal_segments` index (the point-in-time context's table), best
 * effort: the archive is the objects in the buckets, and PostgreSQL's archiving must not wait on, or stop because of,
 * TenantVault's own database. A second late, and a catalog down is reported and skipped; the WAL replication sweep
 * records what this missed. Only when DATABASE_URL is set explicitly: a default URL would be a guess.
 */
export async function recordArchivedWal(databaseUrl: string | undefined, sidecar: WalSidecar, providers: string[]): Promise<string | undefined> {
  if (!databaseUrl) return undefined;
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 1_000, query_timeout: 1_000, application_name: 'tenantvault-wal-push' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const file = parseWalFileName(sidecar.file);
    await client.query(
      `insert into wal_segments (name, timeline, kind, bytes, sha256, stored_bytes, stored_sha256, key_id, modified_at, archived_at, providers)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       on conflict (name) do update set providers = array(select distinct p from unnest(wal_segments.providers || excluded.providers) as p order by p)`,
      [file.name, file.timeline, file.kind, sidecar.bytes, sidecar.sha256, sidecar.storedBytes, sidecar.storedSha256, sidecar.encryption.keyId, sidecar.modifiedAt, sidecar.archivedAt, providers],
    );
    return undefined;
  } catch (error) {
    return `catalog not updated (${(error as Error).message}); the WAL replication sweep will record it`;
  } finally {
    await client.end().catch(() => undefined);
  }
}
