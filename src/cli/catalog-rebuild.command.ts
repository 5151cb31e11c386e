import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import type { ProviderName } from '../../libs/storage/storage.port';
import { migrateCatalog } from '../database/migrate';
import { mikroOrmOptions } from '../database/mikro-orm.options';
import { redactUrl } from '../logging';
import { CatalogRebuildReport, rebuildCatalog } from '../modules/backups';
import { adaptersFromConfig } from '../modules/storage';
import { cliActor, recordCliAction } from './cli-audit';
import { disasterCliConfig } from './disaster-cli-config';

/**
 * `catalog rebuild [--provider NAME] [--actor NAME]`: creates and migrates the catalog at DATABASE_URL, then records
 * every backup the provider(s) hold, from their sidecars. With no --provider, every configured provider in turn, so
 * each copy is recorded. Safe to run again. Audited as `catalog.rebuild`.
 */
export async function catalogRebuildCommand(options: { provider?: ProviderName; actor?: string }): Promise<void> {
  const { config, keySource } = disasterCliConfig(options.provider);
  console.error(`encryption key: from ${keySource}`);
  const applied = await migrateCatalog(config.databaseUrl);
  console.error(`catalog ${redactUrl(config.databaseUrl)}: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
  const orm = await MikroORM.init(mikroOrmOptions(config.databaseUrl));
  const reports: CatalogRebuildReport[] = [];
  try {
    for (const adapter of adaptersFromConfig(config.storage)) {
      console.error(`scanning ${adapter.name} for sidecars under tenants/ and disaster/ ...`);
      const report = await rebuildCatalog(orm.em.fork(), adapter, (found) => console.error(`  ${found} backups found so far`));
      reports.push(report);
      console.log(`${adapter.name}: ${report.found} backups found, ${report.added} added to the catalog, ${report.locationsAdded} copies added to known backups, ${report.skipped.length} sidecars skipped`);
      for (const skipped of report.skipped) console.log(`  skipped ${skipped.key}: ${skipped.reason}`);
    }
  } finally {
    await orm.close(true);
    const summary = reports.map(({ provider, found, added, locationsAdded, skipped }) => ({ provider, found, added, locationsAdded, skipped: skipped.length }));
    await recordCliAction(config.databaseUrl, { actor: cliActor(options.actor), action: 'catalog.rebuild', targetType: 'catalog', outcome: reports.length === adaptersFromConfig(config.storage).length ? 'SUCCESS' : 'FAILURE', detail: { providers: summary } });
  }
}
