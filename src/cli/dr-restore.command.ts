import { KeyRing } from '../../libs/crypto';
import type { ProviderName } from '../../libs/storage/storage.port';
import { redactUrl } from '../logging';
import { extractDisasterConfig, restoreDisasterObject } from '../modules/disaster-recovery/disaster-restore-pipeline';
import { redactSecrets } from '../modules/disaster-recovery/postgres-tools';
import { disasterBackupsAt } from '../modules/disaster-recovery/sidecar-scan';
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
  if (options.target && !isPostgresUrl(options.target)) throw new Error('--target must be a postgresql://user:password@host:port/database URL of an existing database');
  const config = disasterCliConfig(options.provider);
  const adapter = disasterCliAdapter(config);
  const ring = KeyRing.fromBase64(config.encryption.activeKey, config.encryption.retiredKeys);

  const backups = await disasterBackupsAt(adapter, (key, reason) => console.error(`skipped ${key}: ${reason}`));
  const backup = options.latest ? backups[0] : backups.find((b) => b.backupId.toLowerCase() === options.backup!.toLowerCase());
  if (!backup) throw new Error(options.latest ? `no disaster backup found at ${adapter.name}` : `disaster backup ${options.backup} not found at ${adapter.name}`);
  console.error(`disaster backup ${backup.backupId} of ${backup.createdAt} at ${adapter.name} (${formatBytes(backup.storedBytes)})`);

  if (!options.target) {
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
      targetUrl: options.target,
      clean: Boolean(options.clean),
      extractConfigTo: options.extractConfig,
      onProgress: progress.update,
    });
    progress.stop();
    const { manifest } = outcome;
    console.log(
      `restored disaster backup ${backup.backupId} into ${redactUrl(options.target)} in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
        `${formatBytes(outcome.dump.bytes)} dump of ${manifest.source.database} (PostgreSQL ${manifest.source.serverVersion}, pg_dump ${manifest.dump.version}), ` +
        `TenantVault ${manifest.tenantvault.version}${manifest.tenantvault.gitCommit ? ` at commit ${manifest.tenantvault.gitCommit}` : ''}`,
    );
    if (outcome.configWritten.length > 0) console.log(`configuration bundle written:\n${outcome.configWritten.map((f) => `  ${f}`).join('\n')}`);
  } catch (error) {
    progress.stop();
    throw new Error(redactSecrets((error as Error).message, [options.target]));
  }
}

function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return ['postgres:', 'postgresql:'].includes(url.protocol) && url.hostname !== '' && url.pathname.length > 1;
  } catch {
    return false;
  }
}
