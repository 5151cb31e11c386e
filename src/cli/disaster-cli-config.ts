import { StoragePort } from '../../libs/storage';
import type { ProviderName } from '../../libs/storage/storage.port';
import { AppConfig, ConfigError, devSecretsFile, loadConfig, readDevSecrets } from '../config';
import { adaptersFromConfig } from '../modules/storage';

export interface DisasterCliConfig {
  config: AppConfig;
  /** Where BACKUP_ENCRYPTION_KEY came from, for the operator to see: decrypting with the wrong key fails late. */
  keySource: string;
}

/**
 * Configuration for the commands of the day TenantVault is gone (catalog rebuild, dr list, dr restore): they need
 * only storage credentials and BACKUP_ENCRYPTION_KEY (plus DATABASE_URL for the catalog). JWT_SECRET signs API
 * tokens, which these commands never do, so it is not asked for; `--provider` selects that provider's credentials
 * without STORAGE_PROVIDERS having to list it. Outside production, a key not set is read from the dev secrets file
 * the service generated, like the other commands do, but never generated here: a new key could decrypt nothing.
 */
export function disasterCliConfig(provider?: ProviderName, env: NodeJS.ProcessEnv = process.env): DisasterCliConfig {
  let key = env.BACKUP_ENCRYPTION_KEY?.trim();
  let keySource = 'BACKUP_ENCRYPTION_KEY';
  if (!key && (env.NODE_ENV ?? 'development') !== 'production') {
    key = readDevSecrets(env)?.encryptionKey;
    keySource = `the development secrets file ${devSecretsFile(env)} (BACKUP_ENCRYPTION_KEY is not set)`;
  }
  if (!key) throw new ConfigError([`BACKUP_ENCRYPTION_KEY is required: disaster recovery cannot decrypt backups without the platform secret (no development secrets at ${devSecretsFile(env)} either)`]);
  const config = loadConfig({ ...env, BACKUP_ENCRYPTION_KEY: key, JWT_SECRET: env.JWT_SECRET || 'not-used-by-disaster-recovery-commands', STORAGE_PROVIDERS: provider ?? env.STORAGE_PROVIDERS });
  return { config, keySource };
}

/** The provider named by --provider (the only one configured then), else the primary (first of STORAGE_PROVIDERS). */
export function disasterCliAdapter(config: AppConfig): StoragePort {
  return adaptersFromConfig(config.storage)[0];
}
