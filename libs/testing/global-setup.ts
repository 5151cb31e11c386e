import { Client } from 'pg';
import { migrateCatalog } from '../../src/database/migrate';
import { createFixturePlatform } from './fixture-platform';
import { databaseUrl, dropDatabase, TEMPLATES, withAdminClient } from './test-database';

/**
 * Once per test run: a migrated catalog and a seeded fixture platform, as template databases that each test
 * file copies (CREATE DATABASE ... TEMPLATE) into its own database.
 */
export default async function globalSetup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  await dropDatabase(TEMPLATES.catalog);
  await dropDatabase(TEMPLATES.platform);
  await migrateCatalog(databaseUrl(TEMPLATES.catalog));

  await withAdminClient((c) => c.query(`CREATE DATABASE "${TEMPLATES.platform}"`));
  const client = new Client({ connectionString: databaseUrl(TEMPLATES.platform) });
  await client.connect();
  try {
    await createFixturePlatform(client);
  } finally {
    await client.end();
  }
}
