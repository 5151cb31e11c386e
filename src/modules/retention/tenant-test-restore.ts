import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { ArchiveEntry, ArchiveManifest, ArchiveSummary, readArchive } from '../../../libs/archive';
import { unsealStream } from '../../../libs/archive/sealed-archive';
import { KeyRing } from '../../../libs/crypto';
import { pgClientConfig, PgConnection } from '../../../libs/pg-tools';
import { CopyRowsDigest, CopyRowsSummary } from '../../../libs/retention';
import { importTenant, quoteIdent, quoteQualified, TenancyConfig } from '../../../libs/tenant-data';
import type { TableCheck } from './test-restore.entity';

export interface TestRestoreResult {
  tables: TableCheck[];
  /** Why the backup did not restore as recorded; absent when it did. */
  problem?: string;
}

export interface TenantTestRestoreInput {
  stored: Readable;
  ring: KeyRing;
  tenantId: string;
  /** sha256 of the stored object according to the catalog. */
  expectedSha256: string;
  /** A scratch database holding the platform's schema and global rows, and no tenant's rows. */
  scratch: PgConnection;
  tenancy: TenancyConfig;
}

/**
 * Restores a tenant backup into a scratch database with the import engine a real restore uses (one transaction, the
 * archive's summary checked before COMMIT, foreign keys checked), then reads every table back out: its rows, bytes
 * and an order-independent digest of its COPY text must be those of the archive, whose own text readArchive checked
 * against summary.json (rows, bytes, sha256).
 */
export async function testRestoreTenant(input: TenantTestRestoreInput): Promise<TestRestoreResult> {
  const plain = unsealStream(input.stored, input.ring, { kind: 'tenant', tenantId: input.tenantId });
  const archived = new Map<string, CopyRowsSummary>();
  let manifest: ArchiveManifest | undefined;
  let summary: ArchiveSummary | undefined;
  async function* digested(): AsyncGenerator<ArchiveEntry> {
    for await (const entry of readArchive(plain.stream)) {
      if (entry.kind === 'manifest') manifest = entry.manifest;
      if (entry.kind === 'summary') summary = entry.summary;
      if (entry.kind !== 'table') {
        yield entry;
        continue;
      }
      const digest = new CopyRowsDigest();
      const meter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          digest.update(chunk);
          done(null, chunk);
        },
        flush(done) {
          archived.set(entry.name, digest.result());
          done();
        },
      });
      yield { ...entry, data: pipeline(entry.data, meter, () => undefined) as unknown as Readable };
    }
  }

  try {
    await importTenant(connectionUrl(input.scratch), input.tenancy, input.tenantId, digested(), { mode: 'FULL' });
  } catch (error) {
    return { tables: [], problem: `the backup did not restore: ${(error as Error).message}` };
  }
  const sha256 = plain.storedSha256();
  if (sha256 !== input.expectedSha256) return { tables: [], problem: `the stored object's sha256 is ${sha256}, the catalog says ${input.expectedSha256}` };

  const client = new Client(pgClientConfig(input.scratch, { application_name: 'tenantvault-test-restore' }));
  client.on('error', () => undefined); // a dropped connection surfaces through the query
  await client.connect();
  try {
    const tables: TableCheck[] = [];
    for (const table of manifest!.tables) {
      const recorded = summary!.tables[table.name];
      const back = new CopyRowsDigest();
      const columns = table.copyColumns.map(quoteIdent).join(', ');
      for await (const chunk of client.query(copyTo(`COPY (SELECT ${columns} FROM ${quoteQualified(table.schema, table.table)}) TO STDOUT`))) back.update(chunk as Buffer);
      const restored = back.result();
      const ok = restored.rows === recorded.rows && restored.bytes === recorded.bytes && restored.digest === archived.get(table.name)?.digest;
      tables.push({
        table: table.name,
        expectedRows: recorded.rows,
        restoredRows: restored.rows,
        ok,
        ...(ok ? {} : { problem: `restored ${restored.rows} rows in ${restored.bytes} bytes, the archive holds ${recorded.rows} in ${recorded.bytes}${restored.rows === recorded.rows ? ' with other content' : ''}` }),
      });
    }
    const bad = tables.filter((t) => !t.ok);
    return { tables, ...(bad.length > 0 ? { problem: `${bad.length} of ${tables.length} tables do not match the archive: ${bad.map((t) => t.table).join(', ')}` } : {}) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A libpq URL of exactly these fields, for the import engine (which takes a connection string). */
function connectionUrl(c: PgConnection): string {
  const host = c.host.includes(':') ? `[${c.host}]` : c.host;
  const user = c.user ? `${encodeURIComponent(c.user)}${c.password ? `:${encodeURIComponent(c.password)}` : ''}@` : '';
  return `postgresql://${user}${host}:${c.port}/${encodeURIComponent(c.database)}${c.sslmode ? `?sslmode=${c.sslmode}` : ''}`;
}
