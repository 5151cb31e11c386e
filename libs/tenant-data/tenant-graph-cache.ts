import { ClientBase } from 'pg';
import { discoverTenantGraph } from './discover';
import { TenancyConfig, TenantGraph } from './tenant-data.types';

/**
 * One value that changes whenever the catalog rows discovery reads change: every user relation, column, constraint,
 * index, type and schema, with the row version (xmin) DDL gives each row it writes, sequence ownership and
 * extension membership, and the search_path that resolves an unqualified TENANT_TABLE. User objects have oids of
 * 16384 and above (FirstNormalObjectId); schemas are all taken, `public` included. VACUUM and ANALYZE update
 * statistics in place, without a new row version, so they leave it alone.
 */
const FINGERPRINT_SQL = `
  SELECT md5(string_agg(r, ',' ORDER BY r)) AS fingerprint FROM (
    SELECT 'n' || oid || '/' || xmin FROM pg_namespace
    UNION ALL SELECT 'c' || oid || '/' || xmin FROM pg_class WHERE oid >= 16384
    UNION ALL SELECT 'a' || attrelid || '.' || attnum || '/' || xmin FROM pg_attribute WHERE attrelid >= 16384 AND attnum > 0
    UNION ALL SELECT 'k' || oid || '/' || xmin FROM pg_constraint WHERE oid >= 16384
    UNION ALL SELECT 'i' || indexrelid || '/' || xmin FROM pg_index WHERE indexrelid >= 16384
    UNION ALL SELECT 't' || oid || '/' || xmin FROM pg_type WHERE oid >= 16384
    UNION ALL SELECT 'd' || objid || '/' || objsubid || '/' || refobjid || '/' || refobjsubid || deptype::text FROM pg_depend
      WHERE classid = 'pg_class'::regclass AND objid >= 16384 AND deptype IN ('a', 'i', 'e')
    UNION ALL SELECT 's' || current_setting('search_path')
  ) AS catalog(r)`;

/**
 * The tenant graph of the last discovery, reused while the schema stays the same: one catalog query per export
 * instead of a full discovery. Call it inside the export's snapshot, like discoverTenantGraph: the fingerprint and the
 * graph then describe the schema that snapshot sees. Graphs are shared between callers: never modify one.
 */
export class TenantGraphCache {
  private last: { tenancy: string; fingerprint: string; graph: TenantGraph } | undefined;

  async discover(client: ClientBase, tenancy: TenancyConfig): Promise<TenantGraph> {
    const { rows } = await client.query<{ fingerprint: string }>(FINGERPRINT_SQL);
    const key = JSON.stringify(tenancy);
    const last = this.last;
    if (last && last.tenancy === key && last.fingerprint === rows[0].fingerprint) return last.graph;
    const graph = await discoverTenantGraph(client, tenancy);
    this.last = { tenancy: key, fingerprint: rows[0].fingerprint, graph };
    return graph;
  }
}
