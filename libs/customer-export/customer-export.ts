import { createHash } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { ByteCounter, Sha256Meter } from '../archive';
import { TenancyConfig } from '../tenant-data';
import { CsvSnapshot, openCsvSnapshot } from './csv-snapshot';
import { CsvRecordCounter, Utf8BomPrefix } from './csv-meters';
import {
  CSV_DIALECT,
  CUSTOMER_EXPORT_FORMAT_VERSION,
  CUSTOMER_EXPORT_KIND,
  CustomerExportManifest,
  CustomerExportTable,
  ExportedFile,
  MANIFEST_ENTRY,
  README_ENTRY,
  SCHEMA_ENTRY,
} from './customer-export-manifest';
import { CustomerExportAbortedError, CustomerExportTableError } from './customer-export.errors';
import { ExportTable } from './export-table';
import { readmeText } from './readme-text';
import { schemaSql } from './schema-sql';

export interface CustomerExportOptions {
  /** The platform database (SOURCE_DATABASE_URL). */
  connectionString: string;
  tenancy: TenancyConfig;
  tenantId: string;
  /** Recorded in manifest.json and README.txt and used as every entry's modification time. */
  createdAt: Date;
  /** Called with 0 once the snapshot is open, then after each table; `tablesTotal` does not change. */
  onProgress?(tablesDone: number, tablesTotal: number): void;
}

export interface CustomerExport {
  /** The zip. Consume it with pipeline(): it is destroyed with the error that stops the export. */
  stream: Readable;
  /**
   * Resolves with the manifest once `stream` has been read to its end; rejects with the same error `stream` carries.
   * Marked handled, so a caller that watches only `stream` does not get an unhandled rejection.
   */
  result: Promise<CustomerExportManifest>;
}

/** Entries get the export's time rather than "now", so the same export reads the same wherever it is unzipped. */
const entryOptions = (createdAt: Date) => ({ mtime: createdAt, mode: 0o100644, compress: true });

function describe(file: string, content: Buffer): ExportedFile {
  return { file, bytes: content.length, sha256: createHash('sha256').update(content).digest('hex') };
}

/**
 * One tenant's data as a zip readable without TenantVault (docs/CUSTOMER-EXPORT.md): README.txt, schema.sql, one
 * CSV per tenant table, manifest.json last. Opens the snapshot before returning, so an unknown tenant or a bad
 * configuration is thrown here, before any byte is streamed. Tables are read one at a time, straight from COPY into
 * their zip entry: memory does not grow with the tenant, and the export runs only as fast as `stream` is read.
 */
export async function createCustomerExport(options: CustomerExportOptions): Promise<CustomerExport> {
  const snapshot = await openCsvSnapshot(options.connectionString, options.tenancy, options.tenantId);
  const zip = new ZipFile();
  const stream = zip.outputStream as Readable;
  const writer = new ExportWriter(zip, stream, snapshot, options);
  const result = writer.write().catch(async (err: unknown) => {
    await snapshot.close();
    stream.destroy(err as Error);
    throw err;
  });
  // Callers may watch only the stream, which carries the same error.
  result.catch(() => undefined);
  return { stream, result };
}

class ExportWriter {
  /** The first reason to stop; the table being written is destroyed with it. */
  private stopped: Error | null = null;
  private current: Readable | null = null;

  constructor(
    private readonly zip: ZipFile,
    private readonly stream: Readable,
    private readonly snapshot: CsvSnapshot,
    private readonly options: CustomerExportOptions,
  ) {
    // A consumer that goes away (aborted download) must not leave a COPY and its snapshot open on the platform.
    stream.once('close', () => {
      if (!stream.readableEnded) this.stop(new CustomerExportAbortedError());
    });
    zip.on('error', (err: Error) => this.stop(err));
  }

  async write(): Promise<CustomerExportManifest> {
    const { tenantId, createdAt, onProgress } = this.options;
    const { tables } = this.snapshot;
    const readme = Buffer.from(readmeText(tables, { tenantId, createdAt }), 'utf8');
    const schema = Buffer.from(schemaSql(tables, this.snapshot.enums, { tenantId, createdAt }), 'utf8');
    this.zip.addBuffer(readme, README_ENTRY, entryOptions(createdAt));
    this.zip.addBuffer(schema, SCHEMA_ENTRY, entryOptions(createdAt));

    const written: CustomerExportTable[] = [];
    onProgress?.(0, tables.length);
    try {
      for (const table of tables) {
        written.push(await this.writeTable(table));
        onProgress?.(written.length, tables.length);
      }
    } catch (err) {
      throw this.stopped ?? err;
    }
    await this.snapshot.close();

    const manifest: CustomerExportManifest = {
      formatVersion: CUSTOMER_EXPORT_FORMAT_VERSION,
      kind: CUSTOMER_EXPORT_KIND,
      tenantId,
      createdAt: createdAt.toISOString(),
      serverVersion: this.snapshot.serverVersion,
      csv: CSV_DIALECT,
      readme: describe(README_ENTRY, readme),
      schema: describe(SCHEMA_ENTRY, schema),
      tables: written,
    };
    this.zip.addBuffer(Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'), MANIFEST_ENTRY, entryOptions(createdAt));
    this.zip.end();
    try {
      await finished(this.stream);
    } catch (err) {
      throw this.stopped ?? err;
    }
    return manifest;
  }

  /** COPY → BOM → hash, size and record count → the zip entry; resolves once the zip has taken the last byte. */
  private async writeTable(table: ExportTable): Promise<CustomerExportTable> {
    if (this.stopped) throw this.stopped;
    const name = `${table.schema}.${table.name}`;
    const hash = new Sha256Meter();
    const size = new ByteCounter();
    const records = new CsvRecordCounter();
    const entry = pipeline(this.snapshot.copyCsv(table), new Utf8BomPrefix(), hash, size, records, () => undefined);
    this.current = entry;
    this.zip.addReadStream(entry, table.file, entryOptions(this.options.createdAt));
    try {
      await finished(entry);
    } catch (err) {
      throw new CustomerExportTableError(name, err);
    } finally {
      this.current = null;
    }
    // COPY ends every record, the header included, with a line feed.
    if (!records.complete || records.records < 1) throw new CustomerExportTableError(name, new Error('the CSV ended inside a record'));
    return {
      name,
      schema: table.schema,
      table: table.name,
      file: table.file,
      bytes: size.bytes,
      sha256: hash.digest(),
      rows: records.records - 1,
      primaryKey: table.primaryKey,
      columns: table.columns.map((c) => ({
        name: c.name,
        sourceType: c.sourceType,
        loadType: c.loadType,
        encoding: c.encoding,
        nullable: c.nullable,
        generated: c.generationExpression !== null,
      })),
    };
  }

  private stop(err: Error): void {
    this.stopped ??= err;
    this.current?.destroy(err);
  }
}
