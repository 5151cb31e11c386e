import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { redactSecrets } from '../../libs/pg-tools';
import { StoragePort } from '../../libs/storage';
import type { ProviderName } from '../../libs/storage/storage.port';
import { AppConfig } from '../config';
import { mikroOrmOptions } from '../database/mikro-orm.options';
import { redactUrl } from '../logging';
import { BackupRecord, BackupStatus, BackupType, disasterBackupsAt, LocationStatus } from '../modules/backups';
import { disasterCliAdapter, disasterCliConfig } from './disaster-cli-config';
import { formatBytes } from './transfer-progress';

export interface DisasterListing {
  backupId: string;
  createdAt: string;
  storedBytes: number;
  sha256: string;
  keyId: string;
  /** Providers holding a stored copy. */
  providers: string[];
}

/**
 * `dr list [--provider NAME] [--json]`: completed disaster backups, newest first. With --provider, what that
 * provider's bucket holds, read from its sidecars (the catalog may be gone or out of date on the day this is run);
 * without, the catalog if it answers, else the primary provider's sidecars. The first line (stderr) says which.
 */
export async function drListCommand(options: { provider?: ProviderName; json?: boolean }): Promise<void> {
  const { config } = disasterCliConfig(options.provider);
  let backups: DisasterListing[];
  let source: string;
  if (options.provider) {
    const adapter = disasterCliAdapter(config);
    backups = await listFromBucket(adapter);
    source = `the sidecars in the ${adapter.name} bucket`;
  } else {
    try {
      backups = await listFromCatalog(config);
      source = `the catalog at ${redactUrl(config.databaseUrl)}`;
    } catch (error) {
      const adapter = disasterCliAdapter(config);
      backups = await listFromBucket(adapter);
      source = `the sidecars in the ${adapter.name} bucket (no catalog: ${redactSecrets((error as Error).message, [])})`;
    }
  }
  console.error(`disaster backups from ${source}, newest first`);
  if (options.json) {
    console.log(JSON.stringify(backups, null, 2));
    return;
  }
  for (const b of backups) console.log(`${b.backupId}  ${b.createdAt}  ${formatBytes(b.storedBytes).padStart(10)}  ${b.providers.join(',')}  sha256 ${b.sha256}`);
  if (backups.length === 0) console.log('no disaster backup found');
}

/** Throws when DATABASE_URL cannot be reached or holds no catalog. */
async function listFromCatalog(config: AppConfig): Promise<DisasterListing[]> {
  const probe = new Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: 5_000 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    const { rows } = await probe.query<{ ok: boolean }>(`select to_regclass('backup_records') is not null as ok`);
    if (!rows[0].ok) throw new Error('it has no backup_records table; run catalog rebuild');
  } finally {
    await probe.end().catch(() => undefined);
  }
  const orm = await MikroORM.init(mikroOrmOptions(config.databaseUrl));
  try {
    const records = await orm.em.fork().find(BackupRecord, { type: BackupType.DISASTER, status: BackupStatus.COMPLETED }, { populate: ['locations'], orderBy: { createdAt: 'desc', id: 'desc' } });
    return records
      .map((r) => ({ record: r, providers: r.locations.getItems().filter((l) => l.status === LocationStatus.STORED).map((l) => l.provider) }))
      .filter(({ providers }) => providers.length > 0)
      .map(({ record: r, providers }) => ({ backupId: r.id, createdAt: r.createdAt.toISOString(), storedBytes: r.storedBytes ?? 0, sha256: r.sha256 ?? '', keyId: r.keyId ?? '', providers }));
  } finally {
    await orm.close(true);
  }
}

async function listFromBucket(adapter: StoragePort): Promise<DisasterListing[]> {
  const sidecars = await disasterBackupsAt(adapter, (key, reason) => console.error(`skipped ${key}: ${reason}`));
  return sidecars.map((s) => ({ backupId: s.backupId, createdAt: s.createdAt, storedBytes: s.storedBytes, sha256: s.sha256, keyId: s.encryption.keyId, providers: [adapter.name] }));
}
