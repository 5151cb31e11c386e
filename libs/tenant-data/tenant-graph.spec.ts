import { buildTenantGraph, CatalogTable } from './tenant-graph';

function table(name: string, options: { columns?: string[]; references?: Record<string, string> } = {}): CatalogTable {
  const qualifiedName = `"public"."${name}"`;
  return {
    schema: 'public',
    name,
    qualifiedName,
    columns: ['id', ...(options.columns ?? [])].map((c) => ({ name: c, type: 'text', nullable: true, hasDefault: false, generated: false, identity: null })),
    primaryKey: ['id'],
    foreignKeys: Object.entries(options.references ?? {}).map(([column, parent]) => ({
      name: `${name}_${column}_fkey`,
      columns: [column],
      references: `"public"."${parent}"`,
      referencedColumns: ['id'],
    })),
    sequences: [],
  };
}

const graphOf = (tables: CatalogTable[]) => buildTenantGraph(tables, '"public"."tenants"', 'tenant_id');
const scopes = (tables: CatalogTable[]) =>
  Object.fromEntries(graphOf(tables).tables.map((t) => [t.name, t.scope.kind === 'foreign-key' ? t.scope.via.map((fk) => fk.references) : t.scope.kind]));

describe('buildTenantGraph', () => {
  it('classifies the tenants table, tenant-column tables, FK-reached tables at any depth and globals', () => {
    const tables = [
      table('tenants', { columns: ['currency'], references: { currency: 'currencies' } }),
      table('currencies'),
      table('rates', { columns: ['currency'], references: { currency: 'currencies' } }),
      table('invoices', { columns: ['tenant_id', 'currency'], references: { tenant_id: 'tenants', currency: 'currencies' } }),
      table('items', { columns: ['invoice_id'], references: { invoice_id: 'invoices' } }),
      table('adjustments', { columns: ['item_id'], references: { item_id: 'items' } }),
      table('notes', { columns: ['adjustment_id'], references: { adjustment_id: 'adjustments' } }),
      table('domains', { columns: ['owner'], references: { owner: 'tenants' } }),
    ];
    expect(scopes(tables)).toEqual({
      tenants: 'tenant-row',
      invoices: 'tenant-column',
      items: ['"public"."invoices"'],
      adjustments: ['"public"."items"'],
      notes: ['"public"."adjustments"'],
      domains: ['"public"."tenants"'],
    });
    expect(graphOf(tables).globalTables).toEqual(['"public"."currencies"', '"public"."rates"']);
  });

  it('records the tenant column on tenant-column scopes', () => {
    const graph = graphOf([table('tenants'), table('users', { columns: ['tenant_id'] })]);
    expect(graph.tables.find((t) => t.name === 'users')!.scope).toEqual({ kind: 'tenant-column', column: 'tenant_id' });
  });

  it('does not count a self-reference as a path to a tenant', () => {
    const tables = [table('tenants'), table('users', { columns: ['tenant_id'] }), table('tree', { columns: ['parent_id'], references: { parent_id: 'tree' } })];
    expect(graphOf(tables).globalTables).toEqual(['"public"."tree"']);
    expect(scopes([...tables, table('leaf', { columns: ['tree_id', 'user_id'], references: { tree_id: 'tree', user_id: 'users' } })]).leaf).toEqual(['"public"."users"']);
  });

  it('keeps every tenant-reaching key, including keys to tables without the column that form a cycle', () => {
    const tables = [
      table('tenants'),
      table('orders', { columns: ['tenant_id'] }),
      table('a', { columns: ['order_id', 'b_id'], references: { order_id: 'orders', b_id: 'b' } }),
      table('b', { columns: ['a_id'], references: { a_id: 'a' } }),
    ];
    expect(scopes(tables)).toMatchObject({ a: ['"public"."orders"', '"public"."b"'], b: ['"public"."a"'] });
  });

  describe('the owning key of a table reached through several keys', () => {
    /** invoice_lines → invoices and → products, each key NOT NULL unless listed in `nullable`, indexed if listed in `indexed`. */
    const lines = (options: { nullable?: string[]; indexed?: string[]; notValid?: string[] } = {}) => {
      const child = table('invoice_lines', { columns: ['invoice_id', 'product_id'], references: { invoice_id: 'invoices', product_id: 'products' } });
      child.columns = child.columns.map((c) => ({ ...c, nullable: (options.nullable ?? []).includes(c.name) }));
      child.indexes = [['id'], ...(options.indexed ?? []).map((c) => [c])];
      child.foreignKeys = child.foreignKeys.map((fk) => ((options.notValid ?? []).includes(fk.columns[0]) ? { ...fk, notValid: true } : fk));
      const scope = graphOf([table('tenants'), table('invoices', { columns: ['tenant_id'] }), table('products', { columns: ['tenant_id'] }), child]).tables.find((t) => t.name === 'invoice_lines')!.scope;
      if (scope.kind !== 'foreign-key') throw new Error(`invoice_lines is ${scope.kind}`);
      expect(scope.via.map((fk) => fk.references)).toEqual(['"public"."invoices"', '"public"."products"']);
      return scope.owner?.references ?? 'no owner';
    };

    it('is the NOT NULL key; with two, the indexed one, else the first by name', () => {
      expect(lines({ nullable: ['invoice_id'] })).toBe('"public"."products"');
      expect(lines({ indexed: ['product_id'] })).toBe('"public"."products"');
      expect(lines({ indexed: ['invoice_id', 'product_id'] })).toBe('"public"."invoices"');
      expect(lines()).toBe('"public"."invoices"');
    });

    it('is never a key added NOT VALID, whose old rows may have no parent', () => {
      expect(lines({ notValid: ['invoice_id'] })).toBe('"public"."products"');
    });

    it('does not exist when every key may be NULL: all keys count', () => {
      expect(lines({ nullable: ['invoice_id', 'product_id'], indexed: ['invoice_id'] })).toBe('no owner');
    });

    it('leads nearer the tenant column, so a chain of owning keys never loops', () => {
      // a is one step from orders; its NOT NULL key to b leads away from the tenant (b reaches it only through a).
      const tables = [
        table('tenants'),
        table('orders', { columns: ['tenant_id'] }),
        table('a', { columns: ['order_id', 'b_id'], references: { order_id: 'orders', b_id: 'b' } }),
        table('b', { columns: ['a_id'], references: { a_id: 'a' } }),
      ];
      tables[2].columns = tables[2].columns.map((c) => ({ ...c, nullable: c.name === 'order_id' }));
      tables[3].columns = tables[3].columns.map((c) => ({ ...c, nullable: false }));
      const owners = Object.fromEntries(graphOf(tables).tables.map((t) => [t.name, t.scope.kind === 'foreign-key' ? (t.scope.owner?.references ?? 'no owner') : t.scope.kind]));
      expect(owners).toMatchObject({ a: 'no owner', b: '"public"."a"' });
    });
  });

  it('orders tenant tables parents first', () => {
    const tables = [
      table('items', { columns: ['invoice_id'], references: { invoice_id: 'invoices' } }),
      table('invoices', { columns: ['tenant_id', 'customer_id'], references: { tenant_id: 'tenants', customer_id: 'customers' } }),
      table('customers', { columns: ['tenant_id'], references: { tenant_id: 'tenants' } }),
      table('tenants'),
    ];
    expect(graphOf(tables).tables.map((t) => t.name)).toEqual(['tenants', 'customers', 'invoices', 'items']);
  });
});
