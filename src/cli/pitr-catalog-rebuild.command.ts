import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import type { ProviderName } from '../../libs/storage/storage.port';
import { mikroOrmOptions } from '../database/mikro-orm.options';
import { rebuildPointInTimeCatalog } from '../modules/point-in-time';
import { adaptersFromConfig } from '../modules/storage';
import { disasterCliConfig } from './disaster-cli-config';

/**
 * The point-in-time part of `catalog rebuild`, run after the backups are recorded: each base backup's WAL range from
 * its `.pitr.json` sidecar and every archived WAL file from its sidecar (wal/), per provider. Safe to repeat.
 */
export async function pitrCatalogRebuildCommand(options: { provider?: ProviderName }): Promise<void> {
  const { config } = disasterCliConfig(options.provider);
  const orm = await MikroORM.init(mikroOrmOptions(config.databaseUrl));
  try {
    for (const adapter of adaptersFromConfig(config.storage)) {
      console.error(`scanning ${adapter.name} for base backup ranges and the WAL archive (wal/) ...`);
      const report = await rebuildPointInTimeCatalog(orm.em.fork(), adapter);
      console.log(`${adapter.name}: ${report.baseRanges} base backup WAL ranges recorded, ${report.walFiles} archived WAL files found, ${report.walAdded} new to the catalog, ${report.skipped.length} skipped`);
      for (const skipped of report.skipped) console.log(`  skipped ${skipped.key}: ${skipped.reason}`);
    }
  } finally {
    await orm.close(true);
  }
}
