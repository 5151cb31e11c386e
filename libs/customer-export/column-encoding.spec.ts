import { CatalogColumn, columnExpression, csvEncoding, loadType, loadTypeDiffers, PgTypeFacts } from './column-encoding';

const builtIn = (name: string, formatted = name, category = 'U'): PgTypeFacts => ({ name, schema: 'pg_catalog', formatted, kind: 'b', category, oid: '1' });
const enumType = (schema: string, name: string): PgTypeFacts => ({ name, schema, formatted: name, kind: 'e', category: 'E', oid: '16400' });
const arrayOf = (element: PgTypeFacts, formatted: string): Pick<CatalogColumn, 'base' | 'element'> => ({
  base: { ...element, name: `_${element.name}`, formatted, kind: 'b', category: 'A' },
  element,
});
const plain = (base: PgTypeFacts) => ({ base, element: null });

function column(name: string, type: Pick<CatalogColumn, 'base' | 'element'>, more: Partial<CatalogColumn> = {}): CatalogColumn {
  return { name, nullable: true, generationExpression: null, domain: false, ...type, ...more };
}

const bytea = builtIn('bytea', 'bytea', 'U');
const timestamptz = builtIn('timestamptz', 'timestamp with time zone', 'D');
const timestamp = builtIn('timestamp', 'timestamp(3) without time zone', 'D');
const numeric = builtIn('numeric', 'numeric(14,2)', 'N');
const money = builtIn('money', 'money', 'N');
const status = enumType('public', 'invoice_status');
const composite: PgTypeFacts = { name: 'address', schema: 'public', formatted: 'address', kind: 'c', category: 'C', oid: '16500' };
const citext: PgTypeFacts = { name: 'citext', schema: 'public', formatted: 'citext', kind: 'b', category: 'S', oid: '16600' };

describe('column encodings', () => {
  it('picks an encoding per type', () => {
    const cases: [Pick<CatalogColumn, 'base' | 'element'>, string][] = [
      [plain(bytea), 'base64'],
      [plain(timestamptz), 'timestamp-utc'],
      [plain(timestamp), 'timestamp'],
      [plain(builtIn('date', 'date', 'D')), 'date'],
      [plain(builtIn('interval', 'interval', 'T')), 'interval'],
      [plain(builtIn('bool', 'boolean', 'B')), 'boolean'],
      [plain(builtIn('json', 'json')), 'json'],
      [plain(builtIn('jsonb', 'jsonb')), 'json'],
      [plain(numeric), 'number'],
      [plain(builtIn('int8', 'bigint', 'N')), 'number'],
      [plain(builtIn('float8', 'double precision', 'N')), 'number'],
      [plain(money), 'number'],
      [plain(builtIn('uuid', 'uuid')), 'text'],
      [plain(builtIn('text', 'text', 'S')), 'text'],
      [plain(builtIn('int4range', 'int4range', 'R')), 'text'],
      [plain(status), 'enum'],
      [plain(composite), 'text'],
      [plain(citext), 'text'],
      [arrayOf(builtIn('text', 'text', 'S'), 'text[]'), 'array'],
      [arrayOf(bytea, 'bytea[]'), 'array'],
      [arrayOf(status, 'invoice_status[]'), 'array'],
    ];
    for (const [type, encoding] of cases) expect([type.base.formatted, csvEncoding(type)]).toEqual([type.base.formatted, encoding]);
  });

  it('declares types the CSV text loads back into as the same value', () => {
    expect(loadType(plain(numeric))).toBe('numeric(14,2)');
    expect(loadType(plain(timestamp))).toBe('timestamp(3) without time zone');
    expect(loadType(plain(money))).toBe('money');
    // bytea would take base64 as the bytes of its letters.
    expect(loadType(plain(bytea))).toBe('text');
    expect(loadType(plain(status))).toBe('"public"."invoice_status"');
    expect(loadType(plain(enumType('billing', 'Pay"Method')))).toBe('"billing"."Pay""Method"');
    expect(loadType(arrayOf(builtIn('varchar', 'character varying(20)', 'S'), 'character varying(20)[]'))).toBe('character varying(20)[]');
    expect(loadType(arrayOf(status, 'invoice_status[]'))).toBe('"public"."invoice_status"[]');
    // bytea elements are written in hex inside the literal, which bytea[] reads.
    expect(loadType(arrayOf(bytea, 'bytea[]'))).toBe('bytea[]');
    // Types the export does not create hold their text form.
    expect(loadType(plain(composite))).toBe('text');
    expect(loadType(plain(citext))).toBe('text');
    expect(loadType(arrayOf(composite, 'address[]'))).toBe('text');
  });

  it('tells where the declared type differs from the source', () => {
    expect(loadTypeDiffers({ ...plain(numeric), domain: false })).toBe(false);
    expect(loadTypeDiffers({ ...plain(status), domain: false })).toBe(false);
    expect(loadTypeDiffers({ ...arrayOf(bytea, 'bytea[]'), domain: false })).toBe(false);
    expect(loadTypeDiffers({ ...plain(bytea), domain: false })).toBe(true);
    expect(loadTypeDiffers({ ...plain(citext), domain: false })).toBe(true);
    expect(loadTypeDiffers({ ...plain(numeric), domain: true })).toBe(true);
  });

  it('writes each encoding with the expression PostgreSQL evaluates in the COPY', () => {
    expect(columnExpression(column('name', plain(builtIn('text', 'text', 'S'))), 't')).toBe('"t"."name" AS "name"');
    expect(columnExpression(column('logo', plain(bytea)), 't')).toBe(String.raw`translate(encode("t"."logo", 'base64'), E'\n', '') AS "logo"`);
    expect(columnExpression(column('at', plain(timestamptz)), 't')).toBe(String.raw`regexp_replace("t"."at"::text, E'^(\\S+) (\\S+)\\+00$', E'\\1T\\2Z') AS "at"`);
    expect(columnExpression(column('local', plain(timestamp)), 't')).toBe(String.raw`regexp_replace("t"."local"::text, E'^(\\S+) (\\S+)$', E'\\1T\\2') AS "local"`);
    expect(columnExpression(column('ok', plain(builtIn('bool', 'boolean', 'B'))), 't')).toBe('"t"."ok"::text AS "ok"');
    expect(columnExpression(column('price', plain(money)), 't')).toBe('"t"."price"::numeric AS "price"');
    expect(columnExpression(column('total', plain(numeric), { generationExpression: 'a + b' }), 't')).toBe('"t"."total" AS "total"');
    expect(columnExpression(column('tags', arrayOf(builtIn('text', 'text', 'S'), 'text[]')), 't')).toBe('"t"."tags" AS "tags"');
    expect(columnExpression(column('Odd "Name"', plain(status)), 'x')).toBe('"x"."Odd ""Name""" AS "Odd ""Name"""');
  });

  it('casts a domain to its base type before encoding it', () => {
    expect(columnExpression(column('blob', plain(bytea), { domain: true }), 't')).toBe(String.raw`translate(encode(("t"."blob")::bytea, 'base64'), E'\n', '') AS "blob"`);
    expect(columnExpression(column('amount', plain(numeric), { domain: true }), 't')).toBe('("t"."amount")::numeric(14,2) AS "amount"');
  });
});
