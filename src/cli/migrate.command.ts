import { configFromEnvironment } from '../config';
import { migrateCatalog } from '../database/migrate';
import { redactUrl } from '../logging';
import { ensureDemoPlatform } from './demo-platform';

/** `migrate`: the catalog database created if missing and migrated; the demo platform seeded when none is configured. */
export async function migrateCommand(): Promise<void> {
  const config = configFromEnvironment();
  const applied = await migrateCatalog(config.databaseUrl);
  console.error(`catalog ${redactUrl(config.databaseUrl)}: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
  if (config.demoPlatform && (await ensureDemoPlatform(config.sourceDatabaseUrl))) {
    console.error(`demo platform database created and seeded at ${redactUrl(config.sourceDatabaseUrl)}`);
  }
}
