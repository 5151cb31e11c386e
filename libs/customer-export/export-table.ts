import { ForeignKeySpec, TableSpec } from '../tenant-data';
import { CatalogColumn, columnExpression, CsvEncoding, csvEncoding, loadType, loadTypeDiffers } from './column-encoding';
import { csvFileNames } from './csv-file-names';

export interface ExportColumn extends CatalogColumn {
  /** The column's type in the source as tenant backups record it (ColumnSpec.type): `numeric(14,2)`, `public.invoice_status`. */
  sourceType: string;
  encoding: CsvEncoding;
  /** Its type in schema.sql. */
  loadType: string;
  /** schema.sql declares another type than the source's (bytea, a domain, a type the export does not create). */
  loadTypeDiffers: boolean;
  /** The SELECT-list item that writes it (aliased after the column). */
  expression: string;
}

/** A tenant table as the customer export writes it: one CSV file and one CREATE TABLE. */
export interface ExportTable {
  schema: string;
  name: string;
  /** `"schema"."name"`. */
  qualifiedName: string;
  /** Entry name in the zip, e.g. `public.users.csv`. */
  file: string;
  columns: ExportColumn[];
  primaryKey: string[];
  /** Written as comments in schema.sql only. */
  foreignKeys: ForeignKeySpec[];
  spec: TableSpec;
}

/** The alias of the table in each COPY's SELECT, which columnExpression and tenantRowsPredicate refer to. */
export const ROW_ALIAS = 't';

/** Tables in graph order (parents first), each with its file name and how each column is written. */
export function exportTables(tables: readonly TableSpec[], columns: readonly CatalogColumn[][]): ExportTable[] {
  const files = csvFileNames(tables);
  return tables.map((spec, i) => {
    const sourceTypes = new Map(spec.columns.map((c) => [c.name, c.type]));
    return {
      schema: spec.schema,
      name: spec.name,
      qualifiedName: spec.qualifiedName,
      file: files[i],
      columns: columns[i].map((c) => ({
        ...c,
        sourceType: sourceTypes.get(c.name) ?? c.base.formatted,
        encoding: csvEncoding(c),
        loadType: loadType(c),
        loadTypeDiffers: loadTypeDiffers(c),
        expression: columnExpression(c, ROW_ALIAS),
      })),
      primaryKey: spec.primaryKey,
      foreignKeys: spec.foreignKeys,
      spec,
    };
  });
}
