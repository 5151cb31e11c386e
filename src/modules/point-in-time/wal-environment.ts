import { existsSync } from 'node:fs';
import { chown, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { OsUser, PitrError, shellQuote } from '../../../libs/pitr';
import type { AppConfig } from '../../config';

/**
 * The variables `wal fetch` needs, from this process's configuration: the storage providers and the platform secret.
 * They travel to restore_command in a file readable by the server's OS user only (never in postgresql.conf, never in
 * the server's own environment), which is deleted once recovery has read what it needs.
 */
export function walCommandEnvironment(config: AppConfig): Record<string, string> {
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    BACKUP_ENCRYPTION_KEY: config.encryption.activeKey,
    STORAGE_PROVIDERS: config.storage.providers.join(','),
    LOCAL_STORAGE_PATH: resolve(config.storage.localPath),
  };
  if (config.encryption.retiredKeys.length > 0) env.BACKUP_ENCRYPTION_KEYS_RETIRED = config.encryption.retiredKeys.join(',');
  for (const [prefix, s] of [['B2', config.storage.b2], ['R2', config.storage.r2]] as const) {
    if (!s) continue;
    Object.assign(env, { [`${prefix}_ENDPOINT_URL`]: s.endpoint, [`${prefix}_BUCKET_NAME`]: s.bucket, [`${prefix}_ACCESS_KEY_ID`]: s.accessKeyId, [`${prefix}_SECRET_ACCESS_KEY`]: s.secretAccessKey, [`${prefix}_REGION`]: s.region });
  }
  return env;
}

/** An env file (KEY='value' lines) of mode 0600, owned by the server's OS user. */
export async function writeEnvFile(path: string, env: Record<string, string>, owner: OsUser | undefined): Promise<void> {
  const lines = Object.entries(env).map(([name, value]) => {
    if (/['\n\r]/.test(value)) throw new PitrError('PITR.DATA_DIR', `the value of ${name} cannot be written to an env file (it holds a quote or a line break)`);
    return `${name}='${value}'`;
  });
  await writeFile(path, `${lines.join('\n')}\n`, { mode: 0o600 });
  if (owner) await chown(path, owner.uid, owner.gid);
}

/** The built CLI restore_command runs: PITR_CLI_PATH, else this build's own (dist/src/cli.js). */
export function cliPath(config: AppConfig): string {
  const candidates = config.pointInTime.cliPath ? [config.pointInTime.cliPath] : [resolve(__dirname, '../../cli.js'), resolve(process.cwd(), 'dist/src/cli.js')];
  const found = candidates.find((path) => path.endsWith('.js') && existsSync(path));
  if (!found) throw new PitrError('PITR.TOOL_MISSING', `the TenantVault CLI was not found at ${candidates.join(' or ')}: build it (npm run build) or set PITR_CLI_PATH`);
  return resolve(found);
}

/** restore_command: this Node.js running the CLI's `wal fetch`, with the env file. */
export function restoreCommand(config: AppConfig, envFile: string): string {
  return [process.execPath, cliPath(config), 'wal', 'fetch', '%f', '%p', '--env-file', envFile].map((arg) => (arg === '%f' || arg === '%p' ? arg : shellQuote(arg))).join(' ');
}

/** What the server process itself gets: no secret, only what PostgreSQL and restore_command's shell need. */
export function serverEnvironment(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', LANG: 'C', TZ: 'UTC' };
}
