import { KeyRing } from '../../libs/crypto';
import { describePg, parsePgUrl, PgConnection, PostgresToolError, redactSecrets } from '../../libs/pg-tools';
import type { ProviderName } from '../../libs/storage/storage.port';
import { disasterBackupsAt } from '../modules/backups';
import { extractDisasterConfig, restoreDisasterObject } from '../modules/disaster-recovery';
import { disasterCliAdapter, disasterCliConfig } from './disaster-cli-config';
import { formatBytes, transferProgress } from './transfer-progress';

export interface DrRestoreOptions {
  latest?: boolean;
  backup?: string;
  target?: string;
  provider?: ProviderName;
  clean?: boolean;
  extractConfig?: string;
}

/**
 * `dr restore --latest|--backup ID --target URL [--provider NAME] [--clean] [--extract-config DIR]`: the whole
 * platform database back from a bucket, with nothing but storage credentials and BACKUP_ENCRYPTION_KEY. The backup is
 * found from the bucket's sidecars (no catalog needed); with only --extract-config, just the configuration bundle is
 * written and the dump is not downloaded.
 */
export async function drRestoreCommand(options: DrRestoreOptions): Promise<void> {
  if (Boolean(options.latest) === Boolean(options.backup)) throw new Error('give exactly one of --latest or --backup ID');
  if (!options.target && !options.extractConfig) throw new Error('give --target URL (restore the database) and/or --extract-config DIR (write the configuration files)');
  const target = options.target ? targetOf(options.target) : undefined;
  const config = disasterCliConfig(options.provider);
  const adapter = disasterCliAdapter(config);
  const ring = KeyRing.fromBase64(config.encryption.activeKey, config.encryption.retiredKeys);

  const backups = await disasterBackupsAt(adapter, (key, reason) => console.error(`skipped ${key}: ${reason}`));
  const backup = options.latest ? backups[0] : backups.find((b) => b.backupId.toLowerCase() === options.backup!.toLowerCase());
  if (!backup) throw new Error(options.latest ? `no disaster backup found at ${adapter.name}` : `disaster backup ${options.backup} not found at ${adapter.name}`);
  console.error(`disaster backup ${backup.backupId} of ${backup.createdAt} at ${adapter.name} (${formatBytes(backup.storedBytes)})`);

  if (!target) {
    const written = await extractDisasterConfig(await adapter.get(backup.key), ring, options.extractConfig!);
    console.log(`configuration bundle written:\n${written.map((f) => `  ${f}`).join('\n')}`);
    return;
  }

  const started = Date.now();
  const progress = transferProgress('restoring', backup.storedBytes);
  try {
    const outcome = await restoreDisasterObject({
      stored: await adapter.get(backup.key),
      ring,
      expectedSha256: backup.sha256,
      target,
      clean: Boolean(options.clean),
      extractConfigTo: options.extractConfig,
      onProgress: progress.update,
    });
    progress.stop();
    const { manifest } = outcome;
    console.log(
      `restored disaster backup ${backup.backupId} into ${describePg(target)} in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
        `${formatBytes(outcome.dump.bytes)} dump of ${manifest.source.database} (PostgreSQL ${manifest.source.serverVersion}, pg_dump ${manifest.dump.version}), ` +
        `TenantVault ${manifest.tenantvault.version}${manifest.tenantvault.gitCommit ? ` at commit ${manifest.tenantvault.gitCommit}` : ''}`,
    );
    if (outcome.configWritten.length > 0) console.log(`configuration bundle written:\n${outcome.configWritten.map((f) => `  ${f}`).join('\n')}`);
  } catch (error) {
    progress.stop();
    throw new Error(redactSecrets((error as Error).message, [target.password]));
  }
}

/** The target as explicit fields; only `sslmode` may ride along in the URL (see libs/pg-tools/pg-connection.ts). */
function targetOf(url: string): PgConnection {
  try {
    return parsePgUrl(url);
  } catch (error) {
    throw new Error(`--target: ${error instanceof PostgresToolError ? error.message.replace(/^the database URL /, '') : 'is not a URL'}; give postgresql://user:password@host:port/database of an existing, empty database`);
  }
}
