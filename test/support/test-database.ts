import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Server used by tests: a superuser connection to the maintenance database. */
export const TEST_PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export type TemplateName = 'catalog' | 'platform';

/** A run's databases and templates carry its start time, so a later run can tell what a killed run left behind. */
const STALE_AFTER_SECONDS = 6 * 3600;
const STAMPED = /^tv_test_[a-z0-9_]*?_(\d{10})_[0-9a-f]{8}$/;

/**
 * Template databases of this test run, built once by global-setup.ts. The run's id (set by global-setup, inherited by
 * the jest workers) is part of their names, so two runs on one machine never drop each other's templates.
 */
export function templateDatabase(template: TemplateName): string {
  const run = process.env.TV_TEST_RUN;
  if (!run) throw new Error('TV_TEST_RUN is not set: run the tests through jest (global-setup.ts)');
  return `tv_test_tpl_${template}_${run}`;
}

/** `<unix seconds>_<8 hex>`: unique per run and datable. */
export function newStamp(): string {
  return `${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
}

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

/** Drops the test databases and templates of runs that started more than six hours ago and never cleaned up (killed). */
export async function dropStaleTestDatabases(): Promise<string[]> {
  const names = await withAdminClient(async (c) => (await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'tv\\_test\\_%'`)).rows.map((r) => r.datname));
  const cutoff = Math.floor(Date.now() / 1000) - STALE_AFTER_SECONDS;
  const stale = names.filter((name) => {
    const stamp = STAMPED.exec(name);
    return stamp !== null && Number(stamp[1]) < cutoff;
  });
  for (const name of stale) await dropDatabase(name);
  return stale;
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh database for one test file: a copy of one of this run's templates, or empty. */
export async function createTestDatabase(template?: TemplateName, label = 'db'): Promise<TestDatabase> {
  const name = `tv_test_${label.replace(/[^a-z0-9]/g, '_')}_${newStamp()}`;
  assertTestDatabaseName(name);
  await withAdminClient((c) => c.query(template ? `CREATE DATABASE "${name}" TEMPLATE "${templateDatabase(template)}"` : `CREATE DATABASE "${name}"`));
  return { name, url: databaseUrl(name), drop: () => dropDatabase(name) };
}
