import { StoragePort } from '../../libs/storage';
import type { ProviderName } from '../../libs/storage/storage.port';
import { AppConfig, ConfigError, loadConfig } from '../config';
import { adaptersFromConfig } from '../modules/storage';

/**
 * Configuration for the commands of the day TenantVault is gone (catalog rebuild, dr list, dr restore): they need
 * only storage credentials and BACKUP_ENCRYPTION_KEY (plus DATABASE_URL for the catalog). JWT_SECRET signs API
 * tokens, which these commands never do, so it is not asked for; `--provider` selects that provider's credentials
 * without STORAGE_PROVIDERS having to list it. Dev secrets are never generated here: a DR run must use the real key.
 */
export function disasterCliConfig(provider?: ProviderName, env: NodeJS.ProcessEnv = process.env): AppConfig {
  if (!env.BACKUP_ENCRYPTION_KEY?.trim()) throw new ConfigError(['BACKUP_ENCRYPTION_KEY is required: disaster recovery cannot decrypt backups without the platform secret']);
  return loadConfig({ ...env, JWT_SECRET: env.JWT_SECRET || 'not-used-by-disaster-recovery-commands', STORAGE_PROVIDERS: provider ?? env.STORAGE_PROVIDERS });
}

/** The provider named by --provider (the only one configured then), else the primary (first of STORAGE_PROVIDERS). */
export function disasterCliAdapter(config: AppConfig): StoragePort {
  return adaptersFromConfig(config.storage)[0];
}
