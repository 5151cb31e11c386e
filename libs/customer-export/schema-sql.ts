import { quoteIdent } from '../tenant-data';
import { EnumType } from './column-catalog';
import { ExportColumn, ExportTable } from './export-table';

const sqlLiteral = (value: string) => `'${value.replace(/'/g, "''")}'`;
/** A comment stays on its line whatever the catalog text holds. */
const oneLine = (text: string) => text.replace(/[\r\n]+/g, ' ');

/**
 * schema.sql: what the CSV files load into with `COPY ... FROM ... WITH (FORMAT csv, HEADER true)`, in an empty
 * database. Columns keep their types except where the CSV text would not load back as the same value (loadType);
 * generated columns are plain columns holding the exported values; identity and serial columns hold the exported
 * ids without a default. Foreign keys are comments: some point to shared tables that are not in the export, and
 * without them the files load in any order.
 */
export function schemaSql(tables: readonly ExportTable[], enums: readonly EnumType[], about: { tenantId: string; createdAt: Date }): string {
  const schemas = [...new Set([...tables.map((t) => t.schema), ...enums.map((e) => e.schema)])].filter((s) => s !== 'public').sort();
  const parts = [
    [
      '-- TenantVault customer export: definitions of the tables whose rows are in the CSV files beside this file.',
      `-- Tenant ${about.tenantId}, exported ${about.createdAt.toISOString()}.`,
      '-- Run it in an empty database (psql -v ON_ERROR_STOP=1 -f schema.sql), then load each CSV file with',
      "-- \\copy ... FROM '<file>' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8'): see README.txt.",
      '-- Foreign keys are listed as comments only: some point to shared tables that are not part of the export.',
    ].join('\n'),
  ];
  if (schemas.length > 0) parts.push(schemas.map((s) => `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(s)};`).join('\n'));
  if (enums.length > 0) {
    parts.push(enums.map((e) => `CREATE TYPE ${quoteIdent(e.schema)}.${quoteIdent(e.name)} AS ENUM (${e.labels.map(sqlLiteral).join(', ')});`).join('\n'));
  }
  for (const table of tables) parts.push(createTable(table));
  return `${parts.join('\n\n')}\n`;
}

function createTable(table: ExportTable): string {
  const items = table.columns.map((c) => ({ sql: `${quoteIdent(c.name)} ${c.loadType}${c.nullable ? '' : ' NOT NULL'}`, comment: columnComment(c) }));
  if (table.primaryKey.length > 0) items.push({ sql: `PRIMARY KEY (${table.primaryKey.map(quoteIdent).join(', ')})`, comment: null });
  const lines = items.map(({ sql, comment }, i) => `  ${sql}${i < items.length - 1 ? ',' : ''}${comment ? ` -- ${comment}` : ''}`);
  const references = table.foreignKeys.map(
    (fk) => `-- ${table.qualifiedName} (${fk.columns.map(quoteIdent).join(', ')}) references ${fk.references} (${fk.referencedColumns.map(quoteIdent).join(', ')})`,
  );
  return [`CREATE TABLE ${table.qualifiedName} (`, ...lines, ');', ...references].join('\n');
}

function columnComment(column: ExportColumn): string | null {
  const notes: string[] = [];
  if (column.loadTypeDiffers) notes.push(`${column.sourceType} in the source`);
  if (column.encoding === 'base64') notes.push('written as base64');
  else if (column.loadTypeDiffers && column.loadType === 'text') notes.push('written in its PostgreSQL text form');
  if (column.generationExpression !== null) notes.push(`generated in the source as ${column.generationExpression}`);
  return notes.length > 0 ? oneLine(notes.join(', ')) : null;
}
