import { builtIn, testColumn, testExportTables, testTable } from './export-table.spec-helpers';
import { byteaConversions, copyCommand, readmeText } from './readme-text';

const users = testTable('public', 'users', [testColumn('id', builtIn('int8', 'bigint', 'N')), testColumn('avatar', builtIn('bytea'))]);
const odd = testTable('billing', "it's odd", [testColumn('Raw Data', builtIn('bytea'))]);
const [usersTable, oddTable] = testExportTables(users, odd);
const about = { tenantId: '11111111-1111-4111-8111-111111111111', createdAt: new Date('2024-05-06T07:08:09.000Z') };

describe('README.txt', () => {
  it('gives a psql \\copy per table, the file name needing no quote escaping', () => {
    expect(copyCommand(usersTable)).toBe(`\\copy "public"."users" FROM 'public.users.csv' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')`);
    expect(copyCommand(oddTable)).toBe(`\\copy "billing"."it's odd" FROM 'billing.it%27s%20odd.csv' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')`);
  });

  it('gives the statements that turn base64 columns back into bytea', () => {
    expect(byteaConversions(usersTable)).toEqual([`ALTER TABLE "public"."users" ALTER COLUMN "avatar" TYPE bytea USING decode("avatar", 'base64');`]);
    expect(byteaConversions(oddTable)).toEqual([`ALTER TABLE "billing"."it's odd" ALTER COLUMN "Raw Data" TYPE bytea USING decode("Raw Data", 'base64');`]);
  });

  it('lists every file and every command, and says how NULL differs from an empty text', () => {
    const text = readmeText([usersTable, oddTable], about);
    for (const line of [copyCommand(usersTable), copyCommand(oddTable), ...byteaConversions(usersTable)]) expect(text).toContain(`     ${line}\n`);
    expect(text).toContain('  public.users.csv');
    expect(text).toContain('  billing.it%27s%20odd.csv');
    expect(text).toContain('Organisation (tenant) id: 11111111-1111-4111-8111-111111111111');
    expect(text).toContain('NULL (no value) is an empty field without quotes:  42,,x');
    expect(text).toContain('An empty text is two double quotes:               42,"",x');
  });

  it('leaves out the bytea step when no column needs it', () => {
    const [plain] = testExportTables(testTable('public', 'plain', [testColumn('id', builtIn('int4', 'integer', 'N'))]));
    expect(readmeText([plain], about)).not.toContain('TYPE bytea');
  });
});
