import { InvalidTenantIdError } from './tenant-data.errors';
import { TableSpec, TenantGraph } from './tenant-data.types';
import { buildTenantGraph, CatalogTable } from './tenant-graph';
import { tenantRowsPredicate } from './tenant-scope-sql';

const TENANT = '11111111-1111-4111-8111-111111111111';

interface Key {
  columns: string[];
  parent: string;
  parentColumns: string[];
}

/** A table whose first column is its key; `nullable` lists the columns that may be NULL (the others are NOT NULL). */
function table(name: string, columns: string[], foreignKeys: Key[] = [], nullable: string[] = []): CatalogTable {
  return {
    schema: 'public',
    name,
    qualifiedName: `"public"."${name}"`,
    columns: columns.map((c) => ({ name: c, type: 'text', nullable: nullable.includes(c), hasDefault: false, generated: false, identity: null })),
    primaryKey: [columns[0]],
    foreignKeys: foreignKeys.map((fk, i) => ({ name: `${name}_fk${i}`, columns: fk.columns, references: `"public"."${fk.parent}"`, referencedColumns: fk.parentColumns })),
    sequences: [],
    indexes: [[columns[0]]],
  };
}

const graph: TenantGraph = buildTenantGraph(
  [
    table('tenants', ['id']),
    table('invoices', ['id', 'tenant_id']),
    table('products', ['id', 'tenant_id']),
    table('items', ['invoice_id', 'line_no'], [{ columns: ['invoice_id'], parent: 'invoices', parentColumns: ['id'] }]),
    table('adjustments', ['id', 'invoice_id', 'line_no'], [{ columns: ['invoice_id', 'line_no'], parent: 'items', parentColumns: ['invoice_id', 'line_no'] }]),
    table('domains', ['domain', 'owner'], [{ columns: ['owner'], parent: 'tenants', parentColumns: ['id'] }]),
    // Two NOT NULL keys: the row belongs to the tenant of one of them, the owning key.
    table('lines', ['id', 'invoice_id', 'product_id'], [
      { columns: ['invoice_id'], parent: 'invoices', parentColumns: ['id'] },
      { columns: ['product_id'], parent: 'products', parentColumns: ['id'] },
    ]),
    // Only nullable keys, one of them composite: a row belongs to every tenant one of them reaches.
    table('notes', ['id', 'invoice_id', 'item_invoice', 'item_line'], [
      { columns: ['invoice_id'], parent: 'invoices', parentColumns: ['id'] },
      { columns: ['item_invoice', 'item_line'], parent: 'items', parentColumns: ['invoice_id', 'line_no'] },
    ], ['invoice_id', 'item_invoice', 'item_line']),
    // A cycle between two tables without the tenant column, with nullable keys.
    table('a', ['id', 'b_id', 'invoice_id'], [
      { columns: ['b_id'], parent: 'b', parentColumns: ['id'] },
      { columns: ['invoice_id'], parent: 'invoices', parentColumns: ['id'] },
    ], ['b_id', 'invoice_id']),
    table('b', ['id', 'a_id'], [{ columns: ['a_id'], parent: 'a', parentColumns: ['id'] }], ['a_id']),
  ],
  '"public"."tenants"',
  'tenant_id',
);
const spec = (name: string): TableSpec => graph.tables.find((t) => t.name === name)!;
const invoicesOfTenant = (alias: string) => `SELECT "${alias}"."id" FROM "public"."invoices" AS "${alias}" WHERE "${alias}"."tenant_id" = '${TENANT}'`;

describe('tenantRowsPredicate', () => {
  it('selects the tenants row by id and tenant-column rows by the column', () => {
    expect(tenantRowsPredicate(graph, spec('tenants'), TENANT, 't')).toBe(`"t"."id" = '${TENANT}'`);
    expect(tenantRowsPredicate(graph, spec('invoices'), TENANT, 't')).toBe(`"t"."tenant_id" = '${TENANT}'`);
  });

  it('walks foreign keys up to the tenant with one uncorrelated semi-join per step, on every key column', () => {
    expect(tenantRowsPredicate(graph, spec('adjustments'), TENANT, 't')).toBe(
      `("t"."invoice_id", "t"."line_no") IN (SELECT "t_p1"."invoice_id", "t_p1"."line_no" FROM "public"."items" AS "t_p1" WHERE ` +
        `"t_p1"."invoice_id" IN (${invoicesOfTenant('t_p2')}))`,
    );
    expect(tenantRowsPredicate(graph, spec('domains'), TENANT, 'd')).toBe(`"d"."owner" IN (SELECT "d_p1"."id" FROM "public"."tenants" AS "d_p1" WHERE "d_p1"."id" = '${TENANT}')`);
  });

  it('follows only the owning key of a table with several NOT NULL keys', () => {
    expect(tenantRowsPredicate(graph, spec('lines'), TENANT, 't')).toBe(`"t"."invoice_id" IN (${invoicesOfTenant('t_p1')})`);
  });

  it('ORs every key of a table without an owning key, as indexable arrays for single-column keys', () => {
    expect(tenantRowsPredicate(graph, spec('notes'), TENANT, 't')).toBe(
      `("t"."invoice_id" = ANY (ARRAY(${invoicesOfTenant('t_p1')})) OR ` +
        `("t"."item_invoice", "t"."item_line") IN (SELECT "t_p2"."invoice_id", "t_p2"."line_no" FROM "public"."items" AS "t_p2" WHERE "t_p2"."invoice_id" IN (${invoicesOfTenant('t_p3')})))`,
    );
  });

  it('stops at a cycle', () => {
    expect(tenantRowsPredicate(graph, spec('b'), TENANT, 't')).toBe(`"t"."a_id" IN (SELECT "t_p1"."id" FROM "public"."a" AS "t_p1" WHERE "t_p1"."invoice_id" IN (${invoicesOfTenant('t_p2')}))`);
    expect(tenantRowsPredicate(graph, spec('a'), TENANT, 't')).toBe(
      `("t"."b_id" = ANY (ARRAY(SELECT "t_p1"."id" FROM "public"."b" AS "t_p1" WHERE false)) OR "t"."invoice_id" = ANY (ARRAY(${invoicesOfTenant('t_p2')})))`,
    );
  });

  it.each(["x' OR '1'='1", '../../etc', `${TENANT}'; DROP TABLE tenants; --`, '', TENANT.replace(/-/g, '')])('refuses the tenant id %p', (bad) => {
    expect(() => tenantRowsPredicate(graph, spec('invoices'), bad, 't')).toThrow(InvalidTenantIdError);
  });
});
