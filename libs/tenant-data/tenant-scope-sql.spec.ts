import { InvalidTenantIdError } from './tenant-data.errors';
import { TableSpec, TenantGraph } from './tenant-data.types';
import { buildTenantGraph, CatalogTable } from './tenant-graph';
import { tenantRowsPredicate } from './tenant-scope-sql';

const TENANT = '11111111-1111-4111-8111-111111111111';

function table(name: string, columns: string[], foreignKeys: { columns: string[]; parent: string; parentColumns: string[] }[] = []): CatalogTable {
  return {
    schema: 'public',
    name,
    qualifiedName: `"public"."${name}"`,
    columns: columns.map((c) => ({ name: c, type: 'text', nullable: false, hasDefault: false, generated: false, identity: null })),
    primaryKey: [columns[0]],
    foreignKeys: foreignKeys.map((fk, i) => ({ name: `${name}_fk${i}`, columns: fk.columns, references: `"public"."${fk.parent}"`, referencedColumns: fk.parentColumns })),
    sequences: [],
  };
}

const graph: TenantGraph = buildTenantGraph(
  [
    table('tenants', ['id']),
    table('invoices', ['id', 'tenant_id']),
    table('items', ['invoice_id', 'line_no'], [{ columns: ['invoice_id'], parent: 'invoices', parentColumns: ['id'] }]),
    table('adjustments', ['id', 'invoice_id', 'line_no'], [{ columns: ['invoice_id', 'line_no'], parent: 'items', parentColumns: ['invoice_id', 'line_no'] }]),
    table('domains', ['domain', 'owner'], [{ columns: ['owner'], parent: 'tenants', parentColumns: ['id'] }]),
    table('a', ['id', 'b_id', 'invoice_id'], [
      { columns: ['b_id'], parent: 'b', parentColumns: ['id'] },
      { columns: ['invoice_id'], parent: 'invoices', parentColumns: ['id'] },
    ]),
    table('b', ['id', 'a_id'], [{ columns: ['a_id'], parent: 'a', parentColumns: ['id'] }]),
  ],
  '"public"."tenants"',
  'tenant_id',
);
const spec = (name: string): TableSpec => graph.tables.find((t) => t.name === name)!;

describe('tenantRowsPredicate', () => {
  it('selects the tenants row by id and tenant-column rows by the column', () => {
    expect(tenantRowsPredicate(graph, spec('tenants'), TENANT, 't')).toBe(`"t"."id" = '${TENANT}'`);
    expect(tenantRowsPredicate(graph, spec('invoices'), TENANT, 't')).toBe(`"t"."tenant_id" = '${TENANT}'`);
  });

  it('walks foreign keys up to the tenant, joining on every key column', () => {
    expect(tenantRowsPredicate(graph, spec('adjustments'), TENANT, 't')).toBe(
      `EXISTS (SELECT 1 FROM "public"."items" AS "t_p1" WHERE "t_p1"."invoice_id" = "t"."invoice_id" AND "t_p1"."line_no" = "t"."line_no" AND ` +
        `EXISTS (SELECT 1 FROM "public"."invoices" AS "t_p2" WHERE "t_p2"."id" = "t_p1"."invoice_id" AND "t_p2"."tenant_id" = '${TENANT}'))`,
    );
    expect(tenantRowsPredicate(graph, spec('domains'), TENANT, 'd')).toBe(
      `EXISTS (SELECT 1 FROM "public"."tenants" AS "d_p1" WHERE "d_p1"."id" = "d"."owner" AND "d_p1"."id" = '${TENANT}')`,
    );
  });

  it('ORs the keys of a table with several paths and stops at a cycle', () => {
    const sql = tenantRowsPredicate(graph, spec('b'), TENANT, 't');
    expect(sql).toBe(
      `EXISTS (SELECT 1 FROM "public"."a" AS "t_p1" WHERE "t_p1"."id" = "t"."a_id" AND ` +
        `EXISTS (SELECT 1 FROM "public"."invoices" AS "t_p2" WHERE "t_p2"."id" = "t_p1"."invoice_id" AND "t_p2"."tenant_id" = '${TENANT}'))`,
    );
    expect(tenantRowsPredicate(graph, spec('a'), TENANT, 't')).toMatch(/^\(EXISTS .* OR EXISTS .*\)$/);
  });

  it.each(["x' OR '1'='1", '../../etc', `${TENANT}'; DROP TABLE tenants; --`, '', TENANT.replace(/-/g, '')])('refuses the tenant id %p', (bad) => {
    expect(() => tenantRowsPredicate(graph, spec('invoices'), bad, 't')).toThrow(InvalidTenantIdError);
  });
});
