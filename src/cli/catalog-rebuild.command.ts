import { MikroORM } from '@mikro-orm/postgresql';
import type { ProviderName } from '../../libs/storage/storage.port';
import { migrateCatalog } from '../database/migrate';
import { mikroOrmOptions } from '../database/mikro-orm.options';
import { redactUrl } from '../logging';
import { adaptersFromConfig } from '../modules/storage';
import { rebuildCatalog } from '../modules/backups';
import { disasterCliConfig } from './disaster-cli-config';

/**
 * `catalog rebuild [--provider NAME]`: creates and migrates the catalog at DATABASE_URL, then records every backup
 * the provider(s) hold, from their sidecars. With no --provider, every configured provider in turn, so each copy is
 * recorded. Safe to run again.
 */
export async function catalogRebuildCommand(options: { provider?: ProviderName }): Promise<void> {
  const config = disasterCliConfig(options.provider);
  const applied = await migrateCatalog(config.databaseUrl);
  console.error(`catalog ${redactUrl(config.databaseUrl)}: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
  const orm = await MikroORM.init(mikroOrmOptions(config.databaseUrl));
  try {
    for (const adapter of adaptersFromConfig(config.storage)) {
      console.error(`scanning ${adapter.name} for sidecars under tenants/ and disaster/ ...`);
      const report = await rebuildCatalog(orm.em.fork(), adapter, (found) => console.error(`  ${found} backups found so far`));
      console.log(`${adapter.name}: ${report.found} backups found, ${report.added} added to the catalog, ${report.locationsAdded} copies added to known backups, ${report.skipped.length} sidecars skipped`);
      for (const skipped of report.skipped) console.log(`  skipped ${skipped.key}: ${skipped.reason}`);
    }
  } finally {
    await orm.close(true);
  }
}
