import { ColumnSpec, TableSpec } from '../tenant-data';
import { CatalogColumn, PgTypeFacts } from './column-encoding';
import { ExportTable, exportTables } from './export-table';

export const builtIn = (name: string, formatted = name, category = 'U'): PgTypeFacts => ({ name, schema: 'pg_catalog', formatted, kind: 'b', category, oid: '1' });

/** A column of a unit-test table: its catalog facts and the ColumnSpec discovery would give it. */
export interface TestColumn extends CatalogColumn {
  sourceType: string;
}

export function testColumn(name: string, base: PgTypeFacts, more: Partial<TestColumn> = {}): TestColumn {
  return { name, nullable: true, generationExpression: null, domain: false, base, element: null, sourceType: base.formatted, ...more };
}

export function testTable(schema: string, name: string, columns: TestColumn[], more: Partial<TableSpec> = {}): { spec: TableSpec; columns: CatalogColumn[] } {
  const specColumns: ColumnSpec[] = columns.map((c) => ({
    name: c.name,
    type: c.sourceType,
    nullable: c.nullable,
    hasDefault: false,
    generated: c.generationExpression !== null,
    identity: null,
  }));
  const spec: TableSpec = {
    schema,
    name,
    qualifiedName: `"${schema}"."${name}"`,
    columns: specColumns,
    primaryKey: [],
    foreignKeys: [],
    scope: { kind: 'tenant-column', column: 'tenant_id' },
    sequences: [],
    ...more,
  };
  return { spec, columns: columns.map(({ sourceType: _sourceType, ...c }) => c) };
}

export function testExportTables(...tables: { spec: TableSpec; columns: CatalogColumn[] }[]): ExportTable[] {
  return exportTables(
    tables.map((t) => t.spec),
    tables.map((t) => t.columns),
  );
}
