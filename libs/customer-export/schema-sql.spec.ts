import { builtIn, testColumn, testExportTables, testTable } from './export-table.spec-helpers';
import { schemaSql } from './schema-sql';

const uuid = builtIn('uuid');
const status = { name: 'invoice_status', schema: 'public', formatted: 'invoice_status', kind: 'e', category: 'E', oid: '16400' };
const method = { name: 'payment_method', schema: 'billing', formatted: 'billing.payment_method', kind: 'e', category: 'E', oid: '16401' };

const invoices = testTable(
  'public',
  'invoices',
  [
    testColumn('id', builtIn('int8', 'bigint', 'N'), { nullable: false }),
    testColumn('tenant_id', uuid, { nullable: false }),
    testColumn('status', status, { nullable: false, sourceType: 'public.invoice_status' }),
    testColumn('scan', builtIn('bytea')),
    testColumn('total', builtIn('numeric', 'numeric(14,2)', 'N'), { generationExpression: 'round((subtotal * (1 + tax_rate)), 2)' }),
  ],
  {
    primaryKey: ['id'],
    foreignKeys: [{ name: 'invoices_tenant_id_fkey', columns: ['tenant_id'], references: '"public"."tenants"', referencedColumns: ['id'] }],
  },
);
const refunds = testTable('billing', 'refunds', [
  testColumn('payment_id', builtIn('int8', 'bigint', 'N'), { nullable: false }),
  testColumn('methods', { ...method, name: '_payment_method', kind: 'b', category: 'A' }, { element: method, sourceType: 'billing.payment_method[]' }),
]);
const enums = [
  { schema: 'billing', name: 'payment_method', labels: ['card', "it's cash"] },
  { schema: 'public', name: 'invoice_status', labels: ['draft', 'paid'] },
];
const about = { tenantId: '11111111-1111-4111-8111-111111111111', createdAt: new Date('2024-05-06T07:08:09.000Z') };

describe('schemaSql', () => {
  const sql = schemaSql(testExportTables(invoices, refunds), enums, about);

  it('creates non-public schemas, then enum types, then tables in graph order', () => {
    const statements = sql.split('\n').filter((l) => /^CREATE /.test(l));
    expect(statements).toEqual([
      'CREATE SCHEMA IF NOT EXISTS "billing";',
      `CREATE TYPE "billing"."payment_method" AS ENUM ('card', 'it''s cash');`,
      `CREATE TYPE "public"."invoice_status" AS ENUM ('draft', 'paid');`,
      'CREATE TABLE "public"."invoices" (',
      'CREATE TABLE "billing"."refunds" (',
    ]);
  });

  it('declares columns as the CSV loads back, with NOT NULL and the primary key, and foreign keys as comments', () => {
    expect(sql).toContain(
      [
        'CREATE TABLE "public"."invoices" (',
        '  "id" bigint NOT NULL,',
        '  "tenant_id" uuid NOT NULL,',
        '  "status" "public"."invoice_status" NOT NULL,',
        '  "scan" text, -- bytea in the source, written as base64',
        '  "total" numeric(14,2), -- generated in the source as round((subtotal * (1 + tax_rate)), 2)',
        '  PRIMARY KEY ("id")',
        ');',
        '-- "public"."invoices" ("tenant_id") references "public"."tenants" ("id")',
      ].join('\n'),
    );
    expect(sql).toContain(['CREATE TABLE "billing"."refunds" (', '  "payment_id" bigint NOT NULL,', '  "methods" "billing"."payment_method"[]', ');'].join('\n'));
    expect(sql).not.toMatch(/REFERENCES|GENERATED|DEFAULT/);
  });

  it('names the tenant and the time in its header', () => {
    expect(sql.split('\n')[1]).toBe('-- Tenant 11111111-1111-4111-8111-111111111111, exported 2024-05-06T07:08:09.000Z.');
  });

  it('keeps a comment on one line whatever the catalog returns', () => {
    const odd = testTable('public', 'odd', [testColumn('x', builtIn('int4', 'integer', 'N'), { generationExpression: 'a\n+ b' })]);
    expect(schemaSql(testExportTables(odd), [], about)).toContain('  "x" integer -- generated in the source as a + b\n);');
  });
});
