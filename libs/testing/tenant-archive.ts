import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { ArchiveEntry, ArchiveManifest, ArchiveSummary, createArchiveStream, readArchive, tableDataDir } from '../archive';
import { sealStream, unsealStream } from '../archive/sealed-archive';
import { KeyRing } from '../crypto';
import { columnsForCopy, ImportOptions, ImportResult, importTenant, openTenantExport, TenancyConfig } from '../tenant-data';
import { DEFAULT_TENANCY } from './fixture-platform';

/**
 * Backs a tenant up into `file` through the production pipeline: one-snapshot export, tar (manifest as the backup
 * runner writes it), gzip, encryption.
 */
export async function writeTenantArchive(
  connectionString: string,
  tenantId: string,
  file: string,
  ring: KeyRing,
  tenancy: TenancyConfig = DEFAULT_TENANCY,
): Promise<{ manifest: ArchiveManifest; summary: ArchiveSummary }> {
  const source = await openTenantExport(connectionString, tenancy, tenantId);
  try {
    const manifest: ArchiveManifest = {
      formatVersion: 1,
      kind: 'tenant',
      tenantId,
      backupId: randomUUID(),
      createdAt: new Date().toISOString(),
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
    async function* tables() {
      for await (const { table, data } of source.tables()) yield { name: `${table.schema}.${table.name}`, data };
    }
    const archive = createArchiveStream(manifest, tables());
    await pipeline(sealStream(archive.stream, ring, { kind: 'tenant', tenantId }).stream, createWriteStream(file));
    return { manifest, summary: await archive.summary };
  } finally {
    await source.close();
  }
}

/**
 * The entries of an archive written by writeTenantArchive. The key context is not pinned, so an archive can be
 * offered for another tenant and importTenant's own check is what refuses it.
 */
export function readTenantArchive(file: string, ring: KeyRing): AsyncGenerator<ArchiveEntry, void, undefined> {
  return readArchive(unsealStream(createReadStream(file), ring).stream);
}

export function restoreTenantFromFile(
  connectionString: string,
  tenantId: string,
  file: string,
  ring: KeyRing,
  options: ImportOptions & { tenancy?: TenancyConfig },
): Promise<ImportResult> {
  return importTenant(connectionString, options.tenancy ?? DEFAULT_TENANCY, tenantId, readTenantArchive(file, ring), options);
}
