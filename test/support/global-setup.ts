import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { seedDemoPlatform } from '../../libs/demo-platform';
import { migrateCatalog } from '../../src/database/migrate';
import { databaseUrl, dropStaleTestDatabases, newStamp, templateDatabase, withAdminClient } from './test-database';
import { removeStaleRunDirectories, RUN_DIRECTORY_PREFIX } from './run-directory';

/**
 * Once per test run: a migrated catalog and a seeded demo platform, as template databases that each test file copies
 * (CREATE DATABASE ... TEMPLATE) into its own database. The run's id goes to the workers through the environment.
 */
export default async function globalSetup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.TV_TEST_RUN = newStamp();
  // Every temporary file of the run (os.tmpdir() reads TMPDIR) goes under one directory that teardown removes whole.
  const runDirectory = join(process.env.TMPDIR ?? '/tmp', `${RUN_DIRECTORY_PREFIX}${process.env.TV_TEST_RUN}`);
  mkdirSync(runDirectory, { recursive: true });
  await removeStaleRunDirectories(process.env.TMPDIR ?? '/tmp');
  process.env.TV_TEST_TMP_PARENT = process.env.TMPDIR ?? '/tmp';
  process.env.TMPDIR = runDirectory;
  await dropStaleTestDatabases();
  await migrateCatalog(databaseUrl(templateDatabase('catalog')));

  await withAdminClient((c) => c.query(`CREATE DATABASE "${templateDatabase('platform')}"`));
  const client = new Client({ connectionString: databaseUrl(templateDatabase('platform')) });
  await client.connect();
  try {
    await seedDemoPlatform(client);
  } finally {
    await client.end();
  }
}
