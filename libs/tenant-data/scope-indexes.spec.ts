import { scopeIndexRecommendations } from './scope-indexes';
import { buildTenantGraph, CatalogTable } from './tenant-graph';

function table(name: string, columns: string[], options: { references?: Record<string, string>; indexes?: string[][]; nullable?: string[] } = {}): CatalogTable {
  return {
    schema: 'public',
    name,
    qualifiedName: `"public"."${name}"`,
    columns: ['id', ...columns].map((c) => ({ name: c, type: 'bigint', nullable: (options.nullable ?? []).includes(c), hasDefault: false, generated: false, identity: null })),
    primaryKey: ['id'],
    foreignKeys: Object.entries(options.references ?? {}).map(([column, parent]) => ({ name: `${name}_${column}_fkey`, columns: [column], references: `"public"."${parent}"`, referencedColumns: ['id'] })),
    sequences: [],
    indexes: [['id'], ...(options.indexes ?? [])],
  };
}

describe('scopeIndexRecommendations', () => {
  it('names the index each tenant column and each followed foreign key lacks, as a statement to run', () => {
    const graph = buildTenantGraph(
      [
        table('tenants', []),
        table('invoices', ['tenant_id'], { indexes: [['tenant_id', 'number']] }),
        table('products', ['tenant_id']),
        // Owning key invoice_id is covered by the (invoice_id, line) index; product_id is not followed.
        table('invoice_lines', ['invoice_id', 'product_id'], { references: { invoice_id: 'invoices', product_id: 'products' }, indexes: [['invoice_id', 'line']] }),
        // No owning key: both keys are followed, and the one without an index is named.
        table('notes', ['invoice_id', 'product_id'], { references: { invoice_id: 'invoices', product_id: 'products' }, indexes: [['product_id']], nullable: ['invoice_id', 'product_id'] }),
      ],
      '"public"."tenants"',
      'tenant_id',
    );
    expect(scopeIndexRecommendations(graph)).toEqual([
      { table: '"public"."products"', columns: ['tenant_id'], reason: 'its rows are found by "tenant_id"', sql: 'CREATE INDEX CONCURRENTLY ON "public"."products" ("tenant_id");' },
      {
        table: '"public"."notes"',
        columns: ['invoice_id'],
        reason: 'its rows are found through foreign key "notes_invoice_id_fkey" to "public"."invoices"',
        sql: 'CREATE INDEX CONCURRENTLY ON "public"."notes" ("invoice_id");',
      },
    ]);
  });

  it('is empty once those indexes exist; an index whose leading columns differ does not count', () => {
    const tables = (indexes: string[][]) => [table('tenants', []), table('orders', ['tenant_id'], { indexes })];
    expect(scopeIndexRecommendations(buildTenantGraph(tables([['tenant_id']]), '"public"."tenants"', 'tenant_id'))).toEqual([]);
    expect(scopeIndexRecommendations(buildTenantGraph(tables([['placed_at', 'tenant_id']]), '"public"."tenants"', 'tenant_id'))).toHaveLength(1);
  });
});
