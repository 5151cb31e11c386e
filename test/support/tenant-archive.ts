import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { ArchiveEntry, ArchiveManifest, ArchiveSummary, createArchiveStream, readArchive } from '../../libs/archive';
import { sealStream, unsealStream } from '../../libs/archive/sealed-archive';
import { KeyRing } from '../../libs/crypto';
import { ImportOptions, ImportResult, importTenant, openTenantExport, TenancyConfig, tenantArchiveInput } from '../../libs/tenant-data';
import { DEFAULT_TENANCY } from '../../libs/demo-platform';

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
    const { manifest, tables } = tenantArchiveInput(source, tenantId, randomUUID(), new Date());
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
