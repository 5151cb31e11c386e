import { KeyRing } from '../../libs/crypto';
import { describePg, parsePgUrl, PgConnection, PostgresToolError, redactSecrets } from '../../libs/pg-tools';
import type { ProviderName } from '../../libs/storage/storage.port';
import { disasterBackupsAt } from '../modules/backups';
import { extractDisasterConfig, restoreDisasterObject } from '../modules/disaster-recovery';
import { cliActor, recordCliAction } from './cli-audit';
import { disasterCliAdapter, disasterCliConfig } from './disaster-cli-config';
import { formatBytes, transferProgress } from './transfer-progress';

export interface DrRestoreOptions {
  latest?: boolean;
  backup?: string;
  target?: string;
  provider?: ProviderName;
  clean?: boolean;
  extractConfig?: string;
  actor?: string;
  /** Point-in-time recovery of the platform cluster (dr-pitr.command.ts). */
  targetTime?: string;
  dataDir?: string;
  port?: string;
  osUser?: string;
  keepArchiving?: boolean;
}

/**
 * `dr restore --latest|--backup ID --target URL [--provider NAME] [--clean] [--extract-config DIR]`: the whole
 * platform database back from a bucket, with nothing but storage credentials and BACKUP_ENCRYPTION_KEY. The backup is
 * found from the bucket's sidecars (no catalog needed); with only --extract-config, just the configuration bundle is
 * written and the dump is not downloaded.
 */
export async function drRestoreCommand(options: DrRestoreOptions): Promise<void> {
  if (options.targetTime !== undefined || options.dataDir !== undefined) return (await import('./dr-pitr.command')).drPitrCommand(options);
  if (Boolean(options.latest) === Boolean(options.backup)) throw new Error('give exactly one of --latest or --backup ID');
  if (!options.target && !options.extractConfig) throw new Error('give --target URL (restore the database) and/or --extract-config DIR (write the configuration files)');
  const target = options.target ? targetOf(options.target) : undefined;
  const { config, keySource } = disasterCliConfig(options.provider);
  console.error(`encryption key: from ${keySource}`);
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
  const audit = (outcome: 'SUCCESS' | 'FAILURE', detail: Record<string, unknown>) =>
    recordCliAction(config.databaseUrl, { actor: cliActor(options.actor), action: 'disaster-restore.cli', targetType: 'disaster-restore', targetId: backup.backupId, outcome, detail: { target: describePg(target), provider: adapter.name, ...detail } }).then((recorded) => {
      if (!recorded) console.error('(not audited: no catalog answers at DATABASE_URL)');
    });
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
    await audit('SUCCESS', { dumpBytes: outcome.dump.bytes });
  } catch (error) {
    progress.stop();
    const message = cliWording(error as Error & { code?: string });
    await audit('FAILURE', { error: redactSecrets(message, [target.password]) });
    throw new Error(redactSecrets(message, [target.password]));
  }
}

/** Errors of the shared pipeline speak of API fields; on the command line the same thing is a flag. */
function cliWording(error: Error & { code?: string }): string {
  if (error.code === 'DISASTER.TARGET_NOT_EMPTY') return error.message.replace(/pass cleanTarget: true/, 'run again with --clean');
  return error.message;
}

/** The target as explicit fields; only `sslmode` may ride along in the URL (see libs/pg-tools/pg-connection.ts). */
function targetOf(url: string): PgConnection {
  try {
    return parsePgUrl(url);
  } catch (error) {
    throw new Error(`--target: ${error instanceof PostgresToolError ? error.message.replace(/^the database URL /, '') : 'is not a URL'}; give postgresql://user:password@host:port/database of an existing, empty database`);
  }
}
