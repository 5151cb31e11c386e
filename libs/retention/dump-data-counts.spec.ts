import { DumpDataCounter, unquoteQualified } from './dump-data-counts';

/** What pg_restore --data-only --file=- writes for a small dump (trimmed of some SET lines). */
const SCRIPT = `--
-- PostgreSQL database dump
--

SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);

--
-- Data for Name: customers; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.customers (id, tenant_id, name) FROM stdin;
1\t11111111-1111-4111-8111-111111111111\tAcme
2\t11111111-1111-4111-8111-111111111111\tline\\nbreak \\\\. not an end
\\.


--
-- Data for Name: Odd "table"; Type: TABLE DATA; Schema: My Schema; Owner: postgres
--

COPY "My Schema"."Odd ""table""" (id) FROM stdin;
\\.


COPY public.currencies (code) FROM stdin;
EUR
USD
JPY
\\.


SELECT pg_catalog.setval('public.customers_id_seq', 2, true);

`;

function count(chunks: Buffer[]): Record<string, number> {
  const counter = new DumpDataCounter();
  for (const chunk of chunks) counter.update(chunk);
  return counter.result();
}

describe('DumpDataCounter', () => {
  const expected = { 'public.customers': 2, 'My Schema.Odd "table"': 0, 'public.currencies': 3 };

  it('counts each table’s rows, empty tables included, whatever the chunking', () => {
    const whole = Buffer.from(SCRIPT);
    expect(count([whole])).toEqual(expected);
    expect(count([...whole].map((b) => Buffer.from([b])))).toEqual(expected);
    expect(count([whole.subarray(0, 300), whole.subarray(300, 301), whole.subarray(301)])).toEqual(expected);
  });

  it('counts a row longer than any chunk, and refuses data cut off before its end marker', () => {
    const long = `COPY public.blobs (data) FROM stdin;\n${'x'.repeat(100_000)}\n\\.\n`;
    expect(count([Buffer.from(long.slice(0, 50)), Buffer.from(long.slice(50, 70_000)), Buffer.from(long.slice(70_000))])).toEqual({ 'public.blobs': 1 });
    const counter = new DumpDataCounter();
    counter.update(Buffer.from('COPY public.t (a) FROM stdin;\n1\n'));
    expect(() => counter.result()).toThrow(/public\.t ended before its end marker/);
  });

  it('reads pg_dump’s quoting back', () => {
    expect(unquoteQualified('public.users')).toBe('public.users');
    expect(unquoteQualified('"My Schema"."Odd ""name"""')).toBe('My Schema.Odd "name"');
    expect(unquoteQualified('"a.b".c')).toBe('a.b.c');
    expect(() => unquoteQualified('users')).toThrow(/schema-qualified/);
    expect(() => unquoteQualified('"open.x')).toThrow(/unterminated/);
  });
});
