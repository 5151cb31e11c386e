import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { createCustomerExport, CustomerExportManifest, CustomerExportOptions } from '../../libs/customer-export';

const run = promisify(execFile);

/** Streams a customer export into `file` as the service would, and returns its manifest. */
export async function writeCustomerExportZip(options: CustomerExportOptions, file: string): Promise<CustomerExportManifest> {
  const { stream, result } = await createCustomerExport(options);
  await pipeline(stream, createWriteStream(file));
  return result;
}

/** Entry names in the order the zip's central directory lists them (the order they were written), read by Info-ZIP. */
export async function zipEntryNames(file: string): Promise<string[]> {
  const { stdout } = await run('unzip', ['-Z1', file]);
  return stdout.split('\n').filter((l) => l.length > 0);
}

/** `unzip -t` checks every entry's CRC; then extracts into `dir`. */
export async function unzipInto(file: string, dir: string): Promise<void> {
  await run('unzip', ['-tq', file]);
  await run('unzip', ['-q', file, '-d', dir]);
}

/** Runs a psql script file in `cwd` (relative \copy paths resolve there), stopping at the first error. */
export async function psqlFile(url: string, script: string, cwd: string): Promise<void> {
  await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', script], { cwd });
}

export interface ParsedCsv {
  header: string[];
  /** Keyed by column name; an unquoted empty field (NULL) is null, a quoted one ("") is ''. */
  rows: Record<string, string | null>[];
}

/** Parses a CSV file of the export with csv-parse, as a customer's tool would: BOM dropped, RFC 4180 quoting. */
export async function readCsv(path: string): Promise<ParsedCsv> {
  const records: (string | null)[][] = parse(await readFile(path), {
    bom: true,
    cast: (value, context) => (value === '' && !context.quoting ? null : value),
  });
  const [header, ...data] = records;
  return { header: header as string[], rows: data.map((r) => Object.fromEntries(header.map((name, i) => [name as string, r[i]]))) };
}
