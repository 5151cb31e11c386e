import { LocalFsAdapter } from './local-fs.adapter';
import { S3CompatibleAdapter, S3Settings } from './s3-compatible.adapter';
import { StorageMisconfiguredError } from './storage.errors';
import { PROVIDER_NAMES, ProviderName, StoragePort } from './storage.port';

export interface StorageAdaptersConfig {
  /** STORAGE_PROVIDERS in order; the first is the primary. */
  providers: ProviderName[];
  localPath: string;
  b2?: S3Settings;
  r2?: S3Settings;
}

const REQUIRED_S3_SETTINGS = ['endpoint', 'region', 'bucket', 'accessKeyId', 'secretAccessKey'] as const;

/** Builds one adapter per configured provider, in the configured order (first = primary). */
export function createStorageAdapters(config: StorageAdaptersConfig): StoragePort[] {
  if (config.providers.length === 0) throw new StorageMisconfiguredError('storage: no provider configured (STORAGE_PROVIDERS is empty)');
  const seen = new Set<ProviderName>();
  return config.providers.map((name) => {
    if (!PROVIDER_NAMES.includes(name)) {
      throw new StorageMisconfiguredError(`storage: unknown provider "${name}" (expected one of ${PROVIDER_NAMES.join(', ')})`);
    }
    if (seen.has(name)) throw new StorageMisconfiguredError(`storage: provider "${name}" is listed twice`, name);
    seen.add(name);
    if (name === 'local') {
      if (!config.localPath) throw new StorageMisconfiguredError('storage: provider "local" needs localPath', name);
      return new LocalFsAdapter(config.localPath);
    }
    const settings = config[name];
    if (!settings) throw new StorageMisconfiguredError(`storage: provider "${name}" is selected but has no settings (${name})`, name);
    // Names the setting only, never its value: these include secrets.
    const missing = REQUIRED_S3_SETTINGS.filter((setting) => !settings[setting]);
    if (missing.length > 0) {
      throw new StorageMisconfiguredError(`storage: provider "${name}" is missing ${missing.map((m) => `${name}.${m}`).join(', ')}`, name);
    }
    return new S3CompatibleAdapter({ ...settings, name });
  });
}
