import { ARCHIVE_FORMAT_VERSION, ArchiveManifest, tableDataDir, TableInput } from '../archive';
import { columnsForCopy, TenantExport } from './export';

/**
 * What the archive writer needs from an open tenant export: the manifest (everything known before the data) and
 * the tables as named streams, in manifest order. The one place a tenant backup's manifest is built.
 */
export function tenantArchiveInput(source: TenantExport, tenantId: string, backupId: string, createdAt: Date): { manifest: ArchiveManifest; tables(): AsyncIterable<TableInput> } {
  const manifest: ArchiveManifest = {
    formatVersion: ARCHIVE_FORMAT_VERSION,
    kind: 'tenant',
    tenantId,
    backupId,
    createdAt: createdAt.toISOString(),
    source: { serverVersion: source.serverVersion },
    tables: source.graph.tables.map((t, i) => ({
      name: `${t.schema}.${t.name}`,
      schema: t.schema,
      table: t.name,
      columns: t.columns,
      copyColumns: columnsForCopy(t),
      primaryKey: t.primaryKey,
      foreignKeys: t.foreignKeys,
      scope: t.scope,
      sequences: t.sequences,
      file: tableDataDir(i + 1, t.schema, t.name),
    })),
    globalTables: source.graph.globalTables,
  };
  async function* tables(): AsyncIterable<TableInput> {
    for await (const { table, data } of source.tables()) yield { name: `${table.schema}.${table.name}`, data };
  }
  return { manifest, tables };
}
