import { quoteIdent } from '../tenant-data';
import { CUSTOMER_EXPORT_FORMAT_VERSION, MANIFEST_ENTRY, README_ENTRY, SCHEMA_ENTRY } from './customer-export-manifest';
import { ExportTable } from './export-table';

/** The psql command that loads `table`'s file; README.txt lists one per table, and the tests run them as written. */
export function copyCommand(table: ExportTable): string {
  return `\\copy ${table.qualifiedName} FROM '${table.file}' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')`;
}

/** The statements that turn base64 columns back into bytea once their file is loaded. */
export function byteaConversions(table: ExportTable): string[] {
  return table.columns
    .filter((c) => c.encoding === 'base64')
    .map((c) => `ALTER TABLE ${table.qualifiedName} ALTER COLUMN ${quoteIdent(c.name)} TYPE bytea USING decode(${quoteIdent(c.name)}, 'base64');`);
}

const indent = (lines: string[], by = '  ') => lines.map((l) => `${by}${l}`);

/**
 * README.txt, for the customer: what is in the archive, how values are written, how to load it into PostgreSQL.
 * Written before the data, so it names the files but leaves row counts and checksums to manifest.json.
 */
export function readmeText(tables: readonly ExportTable[], about: { tenantId: string; createdAt: Date }): string {
  const width = Math.max(README_ENTRY.length, ...tables.map((t) => t.file.length)) + 2;
  const conversions = tables.flatMap(byteaConversions);
  const lines = [
    'TenantVault data export',
    '=======================',
    '',
    `Organisation (tenant) id: ${about.tenantId}`,
    `Exported at:              ${about.createdAt.toISOString()} (UTC)`,
    `Export format version:    ${CUSTOMER_EXPORT_FORMAT_VERSION}`,
    '',
    "This archive is a copy of your organisation's data, read from one consistent snapshot of the",
    'database. Reading it needs no TenantVault software: every table is a CSV file that opens in a',
    'spreadsheet program and loads into any database.',
    '',
    'What is inside',
    '--------------',
    `${README_ENTRY.padEnd(width)}this file`,
    `${SCHEMA_ENTRY.padEnd(width)}PostgreSQL definitions of the tables, to load the CSV files into a database`,
    `${MANIFEST_ENTRY.padEnd(width)}every table with its columns, row count and the SHA-256 checksum of its file`,
    '',
    'One CSV file per table, named <schema>.<table>.csv (characters other than letters, digits and _',
    'are written %XX, the hexadecimal code of each of their UTF-8 bytes):',
    '',
    ...indent(tables.map((t) => `${t.file.padEnd(width)}table ${t.schema}.${t.name}`)),
    '',
    'CSV files',
    '---------',
    '* Encoding UTF-8, starting with a byte order mark (BOM) so that spreadsheet programs recognise it.',
    '* Comma-separated. The first line holds the column names.',
    '* A field is enclosed in double quotes (") when it holds a comma, a double quote or a line break;',
    '  a double quote inside a field is written twice (""). A field may therefore span several lines.',
    '* Lines end with a line feed (LF).',
    '* NULL (no value) is an empty field without quotes:  42,,x',
    '  An empty text is two double quotes:               42,"",x',
    '  A spreadsheet shows both as an empty cell; loading into a database (below) keeps them apart.',
    '',
    'How values are written',
    '----------------------',
    'text, uuid, enumerations   as stored',
    'numbers                    as stored, every digit kept; "." is the decimal point, no thousands',
    '                           separator; NaN, Infinity and -Infinity can occur',
    'true / false               true or false',
    'dates                      YYYY-MM-DD, e.g. 2024-03-01',
    'timestamps with time zone  ISO 8601 in UTC, e.g. 2024-03-01T09:00:00.123456Z',
    'timestamps without zone    ISO 8601 without offset, e.g. 2024-03-01T09:00:00',
    '                           Dates and timestamps can also be infinity or -infinity; years before',
    '                           year 1 are written the PostgreSQL way, e.g. 0044-03-15 BC',
    'intervals                  ISO 8601 durations, e.g. P1Y2M3DT4H5M6.5S',
    'JSON                       JSON text as stored',
    'binary data (bytea)        base64 (RFC 4648, standard alphabet with = padding, on one line)',
    'arrays                     PostgreSQL array literals, e.g. {vip,"comma, inside",NULL}: elements are',
    '                           separated by commas, quoted with " when they hold a comma, quote, brace,',
    '                           backslash or space (\\ escapes " and \\ inside quotes); NULL without',
    '                           quotes is an element without value',
    'other types                their PostgreSQL text form',
    '',
    `${MANIFEST_ENTRY} names each column's encoding ("encoding") and its type in the database.`,
    '',
    'Spreadsheet programs may change some values when they open a CSV file directly: numbers with more',
    'than 15 digits, ids with leading zeros, text that looks like a date. Import the file instead',
    '(e.g. Data > From Text/CSV) and give such columns the type Text.',
    '',
    'Loading into PostgreSQL',
    '-----------------------',
    'Use PostgreSQL 14 or later and its command-line client psql.',
    '',
    '1. Unzip the archive and open a terminal in the directory that holds the files.',
    '2. Create an empty database:',
    '     createdb my_export',
    '3. Create the tables:',
    `     psql -v ON_ERROR_STOP=1 -d my_export -f ${SCHEMA_ENTRY}`,
    '4. Load the files: start psql in the same directory (psql -d my_export) and run, one line each:',
    '',
    ...indent(tables.map(copyCommand), '     '),
    '',
    '   HEADER true makes PostgreSQL skip the first line of each file, byte order mark included.',
    '   (HEADER MATCH would read the byte order mark as part of the first column name: remove the',
    '   first three bytes of a file before using it.) \\copy reads the file on your computer;',
    "   COPY ... FROM '/path/on/the/server/file.csv' with the same options reads it on the database",
    '   server instead, which needs the privilege to read server files.',
    '   The tables have no foreign keys (schema.sql lists them as comments), so the order of the',
    '   files does not matter.',
  ];
  if (conversions.length > 0) {
    lines.push(
      '5. Binary columns are loaded as base64 text. To turn them back into binary (bytea):',
      '',
      ...indent(conversions, '     '),
    );
  }
  lines.push(
    '',
    'Other databases: create the tables from schema.sql (adapting the types if needed) and import',
    'each CSV file with the options above: comma, double quote, header line, UTF-8.',
    '',
    'Checking the files',
    '------------------',
    `${MANIFEST_ENTRY} holds the SHA-256 checksum of every file as extracted (and its size in bytes).`,
    'Compare it with what your system computes:',
    '  Linux:    sha256sum public.users.csv',
    '  macOS:    shasum -a 256 public.users.csv',
    '  Windows:  certutil -hashfile public.users.csv SHA256',
    `With jq installed, this checks every file at once (Linux):`,
    `  jq -r '.tables[], .readme, .schema | "\\(.sha256)  \\(.file)"' ${MANIFEST_ENTRY} | sha256sum -c`,
    '',
  );
  return lines.join('\n');
}
