import { KeyRing } from '../../libs/crypto/key-ring';
import { LocalFsAdapter } from '../../libs/storage/local-fs.adapter';
import type { StoragePort } from '../../libs/storage/storage.port';
import { AppConfig, ConfigError, loadConfig, storageAdaptersConfig } from '../config';

export interface WalCliContext {
  config: AppConfig;
  /** Every configured provider, the primary first. */
  adapters: StoragePort[];
  ring: KeyRing;
}

/**
 * What `wal push` and `wal fetch` need, and nothing more: they run once per WAL file (archive_command,
 * restore_command), so they load neither NestJS nor the ORM, and the S3 client only when an S3 provider is configured.
 * Variables come from the environment, then `--env-file` (a file only the postgres OS user can read is the way to give
 * them the platform secret without putting it in postgresql.conf). BACKUP_ENCRYPTION_KEY is always required: unlike
 * the other commands, these never fall back to development secrets, whose location depends on the directory they run in.
 */
export async function walCliContext(envFile?: string, env: NodeJS.ProcessEnv = process.env): Promise<WalCliContext> {
  if (envFile) {
    try {
      process.loadEnvFile(envFile);
    } catch (error) {
      throw new ConfigError([`--env-file ${envFile} could not be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`]);
    }
  }
  if (!env.BACKUP_ENCRYPTION_KEY?.trim()) {
    throw new ConfigError(['BACKUP_ENCRYPTION_KEY is required by wal push and wal fetch: give it in their environment or in the --env-file']);
  }
  // JWT_SECRET signs API tokens, which these commands never do.
  const config = loadConfig({ ...env, JWT_SECRET: env.JWT_SECRET || 'not-used-by-the-wal-commands-of-the-cli' });
  const ring = KeyRing.fromBase64(config.encryption.activeKey, config.encryption.retiredKeys);
  return { config, adapters: await walAdapters(config), ring };
}

/** The configured providers, primary first; the S3 client (slow to load) only when an S3 provider is configured. */
async function walAdapters(config: AppConfig): Promise<StoragePort[]> {
  const { storage } = config;
  if (storage.providers.every((p) => p === 'local')) return [new LocalFsAdapter(storage.localPath)];
  // Not through the Storage context's face, which would load NestJS for every WAL file.
  const { createStorageAdapters } = await import('../../libs/storage/storage-adapters.factory');
  return createStorageAdapters(storageAdaptersConfig(storage));
}
