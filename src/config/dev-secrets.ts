import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from './app-config';
import { FallbackSecrets, loadConfig } from './load-config';

/** Where the generated development secrets live (TENANTVAULT_DATA_DIR, default ./.tenantvault). */
export function devSecretsFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.TENANTVAULT_DATA_DIR || './.tenantvault', 'dev-secrets.json');
}

/** The development secrets if they were generated already; never generates them. */
export function readDevSecrets(env: NodeJS.ProcessEnv = process.env): FallbackSecrets | undefined {
  const file = devSecretsFile(env);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as FallbackSecrets) : undefined;
}

/**
 * Outside production, missing JWT_SECRET / BACKUP_ENCRYPTION_KEY are generated once and kept in
 * <dataDir>/dev-secrets.json (mode 0600): a demo must start with nothing configured, and its backups must
 * stay decryptable across restarts. Production refuses to start without real secrets (load-config.ts).
 */
export function loadOrCreateDevSecrets(env: NodeJS.ProcessEnv = process.env): FallbackSecrets {
  const existing = readDevSecrets(env);
  if (existing) return existing;
  const secrets: FallbackSecrets = {
    jwtSecret: randomBytes(32).toString('base64url'),
    encryptionKey: randomBytes(32).toString('base64'),
  };
  const file = devSecretsFile(env);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600, flag: 'wx' });
  return secrets;
}

/** The configuration of this process: environment first, local dev secrets as fallback outside production. */
export function configFromEnvironment(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const production = (env.NODE_ENV ?? 'development') === 'production';
  const needsFallback = !production && (!env.JWT_SECRET || !env.BACKUP_ENCRYPTION_KEY);
  return loadConfig(env, needsFallback ? loadOrCreateDevSecrets(env) : undefined);
}
