import { csvFileName, csvFileNames } from './csv-file-names';

describe('csv file names', () => {
  it('keeps plain names as <schema>.<table>.csv', () => {
    expect(csvFileName('public', 'invoice_items')).toBe('public.invoice_items.csv');
    expect(csvFileName('billing', 'Payments2')).toBe('billing.Payments2.csv');
  });

  it('percent-encodes every other byte, so the only dots are separators', () => {
    expect(csvFileName('my.schema', 'a b')).toBe('my%2Eschema.a%20b.csv');
    expect(csvFileName('public', 'ü/..\\x')).toBe('public.%C3%BC%2F%2E%2E%5Cx.csv');
    expect(csvFileName('public', `it's "q" 100%-ok`)).toBe('public.it%27s%20%22q%22%20100%25%2Dok.csv');
    expect(csvFileName('public', '東')).toBe('public.%E6%9D%B1.csv');
  });

  it('never maps two tables to one name', () => {
    // Without encoding the dot, ("a.b", "c") and ("a", "b.c") would both be a.b.c.csv.
    expect(csvFileName('a.b', 'c')).not.toBe(csvFileName('a', 'b.c'));
  });

  it('suffixes names that differ from an earlier one only by letter case', () => {
    const names = csvFileNames([
      { schema: 'public', name: 'users' },
      { schema: 'public', name: 'Users' },
      { schema: 'public', name: 'USERS' },
      { schema: 'billing', name: 'users' },
    ]);
    expect(names).toEqual(['public.users.csv', 'public.Users.2.csv', 'public.USERS.3.csv', 'billing.users.csv']);
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
  });
});
