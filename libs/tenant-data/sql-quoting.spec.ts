import { quoteIdent, quoteQualified, tenantIdLiteral } from './sql-quoting';
import { InvalidTenantIdError } from './tenant-data.errors';

describe('sql quoting', () => {
  it('quotes identifiers, doubling embedded quotes', () => {
    expect(quoteIdent('users')).toBe('"users"');
    expect(quoteIdent('we"ird.Name')).toBe('"we""ird.Name"');
    expect(quoteQualified('billing', 'payments')).toBe('"billing"."payments"');
    expect(() => quoteIdent('')).toThrow();
  });

  it('inlines only UUIDs as tenant literals', () => {
    expect(tenantIdLiteral('AAAAAAAA-1111-4111-8111-111111111111')).toBe("'AAAAAAAA-1111-4111-8111-111111111111'");
    expect(() => tenantIdLiteral("1' OR '1'='1")).toThrow(InvalidTenantIdError);
    expect(() => tenantIdLiteral('11111111-1111-4111-8111-111111111111\n')).toThrow(InvalidTenantIdError);
  });
});
