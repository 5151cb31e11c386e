import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Server used by tests: a superuser connection to the maintenance database. */
export const TEST_PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** Template databases built once per test run by global-setup.ts. */
export const TEMPLATES = {
  catalog: 'tv_test_tpl_catalog',
  platform: 'tv_test_tpl_platform',
} as const;
export type TemplateName = keyof typeof TEMPLATES;

export function databaseUrl(name: string): string {
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Tests may only create or drop databases whose name says they are test databases. */
export function assertTestDatabaseName(name: string): void {
  if (!/^tv_test_[a-z0-9_]+$/.test(name)) {
    throw new Error(`refusing to touch database "${name}": test databases are named tv_test_*`);
  }
}

export async function withAdminClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: TEST_PG_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(name: string): Promise<void> {
  assertTestDatabaseName(name);
  await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh database for one test file: a copy of a template, or empty. */
export async function createTestDatabase(template?: TemplateName, label = 'db'): Promise<TestDatabase> {
  const name = `tv_test_${label.replace(/[^a-z0-9]/g, '_')}_${randomBytes(4).toString('hex')}`;
  assertTestDatabaseName(name);
  await withAdminClient((c) =>
    c.query(template ? `CREATE DATABASE "${name}" TEMPLATE "${TEMPLATES[template]}"` : `CREATE DATABASE "${name}"`),
  );
  return { name, url: databaseUrl(name), drop: () => dropDatabase(name) };
}
