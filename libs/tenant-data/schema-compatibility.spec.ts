import type { ManifestTable } from '../archive';
import { checkSchemaCompatibility } from './schema-compatibility';
import { ColumnSpec, TableSpec, TenantGraph } from './tenant-data.types';

const column = (name: string, type = 'text', more: Partial<ColumnSpec> = {}): ColumnSpec => ({
  name,
  type,
  nullable: true,
  hasDefault: false,
  generated: false,
  identity: null,
  ...more,
});

function table(schema: string, name: string, columns: ColumnSpec[]): TableSpec {
  return {
    schema,
    name,
    qualifiedName: `"${schema}"."${name}"`,
    columns,
    primaryKey: ['id'],
    foreignKeys: [],
    scope: { kind: 'tenant-column', column: 'tenant_id' },
    sequences: [],
  };
}

/** The manifest entry the backup runner writes for `spec`. */
function backedUp(spec: TableSpec, index = 0): ManifestTable {
  return {
    name: `${spec.schema}.${spec.name}`,
    schema: spec.schema,
    table: spec.name,
    columns: spec.columns,
    copyColumns: spec.columns.filter((c) => !c.generated).map((c) => c.name),
    primaryKey: spec.primaryKey,
    foreignKeys: spec.foreignKeys,
    scope: spec.scope,
    sequences: spec.sequences,
    file: `data/${String(index + 1).padStart(4, '0')}-${spec.schema}.${spec.name}/`,
  };
}

const graph = (tables: TableSpec[], globalTables: string[] = []): TenantGraph => ({ tables, globalTables });

const invoices = table('public', 'invoices', [
  column('id', 'bigint', { nullable: false, hasDefault: true }),
  column('tenant_id', 'uuid', { nullable: false }),
  column('subtotal', 'numeric(14,2)', { nullable: false }),
  column('total', 'numeric(14,2)', { generated: true }),
  column('status', 'public.invoice_status'),
]);
const payments = table('billing', 'payments', [column('id', 'bigint', { nullable: false, identity: 'a' }), column('tenant_id', 'uuid', { nullable: false })]);

const withColumns = (spec: TableSpec, edit: (columns: ColumnSpec[]) => ColumnSpec[]): TableSpec => ({ ...spec, columns: edit(spec.columns) });

describe('checkSchemaCompatibility', () => {
  it('accepts the schema the backup was taken from', () => {
    expect(checkSchemaCompatibility([backedUp(invoices), backedUp(payments, 1)], graph([invoices, payments]))).toEqual([]);
  });

  it('accepts new columns that are nullable, defaulted, generated or identity', () => {
    const now = withColumns(invoices, (cs) => [
      ...cs,
      column('memo'),
      column('tier', 'text', { nullable: false, hasDefault: true }),
      column('doubled', 'numeric', { nullable: false, generated: true }),
      column('seq', 'integer', { nullable: false, identity: 'd' }),
    ]);
    expect(checkSchemaCompatibility([backedUp(invoices)], graph([now]))).toEqual([]);
  });

  it('accepts tenant tables created since the backup', () => {
    expect(checkSchemaCompatibility([backedUp(invoices)], graph([invoices, payments]))).toEqual([]);
  });

  it('names a table that no longer exists, or that is now global', () => {
    expect(checkSchemaCompatibility([backedUp(invoices), backedUp(payments, 1)], graph([], ['"public"."invoices"']))).toEqual([
      'table public.invoices no longer belongs to tenants (it is now a global table)',
      'table billing.payments no longer exists',
    ]);
  });

  it('names a dropped column as table.column', () => {
    const now = withColumns(invoices, (cs) => cs.filter((c) => c.name !== 'subtotal'));
    expect(checkSchemaCompatibility([backedUp(invoices)], graph([now]))).toEqual(['column public.invoices.subtotal no longer exists']);
  });

  it('names a changed type with both types, schema-qualified types included', () => {
    const now = withColumns(invoices, (cs) => cs.map((c) => (c.name === 'subtotal' ? { ...c, type: 'numeric(16,4)' } : c.name === 'status' ? { ...c, type: 'text' } : c)));
    expect(checkSchemaCompatibility([backedUp(invoices)], graph([now]))).toEqual([
      'column public.invoices.subtotal changed type from numeric(14,2) to numeric(16,4)',
      'column public.invoices.status changed type from public.invoice_status to text',
    ]);
  });

  it('refuses a column that became generated: its values cannot be written', () => {
    const now = withColumns(invoices, (cs) => cs.map((c) => (c.name === 'subtotal' ? { ...c, generated: true } : c)));
    expect(checkSchemaCompatibility([backedUp(invoices)], graph([now]))).toEqual(['column public.invoices.subtotal is now a generated column']);
  });

  it('ignores a generated column of the backup that is now gone or plain, but refuses a NOT NULL one without default', () => {
    const gone = withColumns(invoices, (cs) => cs.filter((c) => c.name !== 'total'));
    const plainNullable = withColumns(invoices, (cs) => cs.map((c) => (c.name === 'total' ? { ...c, generated: false } : c)));
    const plainRequired = withColumns(invoices, (cs) => cs.map((c) => (c.name === 'total' ? { ...c, generated: false, nullable: false } : c)));
    expect(checkSchemaCompatibility([backedUp(invoices)], graph([gone]))).toEqual([]);
    expect(checkSchemaCompatibility([backedUp(invoices)], graph([plainNullable]))).toEqual([]);
    expect(checkSchemaCompatibility([backedUp(invoices)], graph([plainRequired]))).toEqual([
      'column public.invoices.total was added as NOT NULL without a default, and the backup has no values for it',
    ]);
  });

  it('lists every problem of every table', () => {
    const now = withColumns(invoices, (cs) => [...cs.filter((c) => c.name !== 'status'), column('approved_by', 'bigint', { nullable: false })]);
    const paymentsNow = withColumns(payments, (cs) => cs.map((c) => (c.name === 'tenant_id' ? { ...c, type: 'text' } : c)));
    expect(checkSchemaCompatibility([backedUp(invoices), backedUp(payments, 1)], graph([now, paymentsNow]))).toEqual([
      'column public.invoices.status no longer exists',
      'column public.invoices.approved_by was added as NOT NULL without a default, and the backup has no values for it',
      'column billing.payments.tenant_id changed type from uuid to text',
    ]);
  });
});
