import { basename, dirname, join, resolve } from 'node:path';
import { KeyRing } from '../../libs/crypto';
import { freePort, readBaseRange, RecoveryBase, recoveryBaseOf } from '../../libs/pitr';
import { baseBackupsAt } from '../modules/backups';
import { recoverPlatform } from '../modules/point-in-time';
import { cliActor, recordCliAction } from './cli-audit';
import type { DrRestoreOptions } from './dr-restore.command';
import { disasterCliConfig } from './disaster-cli-config';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * `dr restore --target-time ISO --data-dir DIR [--port N] [--provider NAME] [--os-user NAME] [--keep-archiving]`:
 * the platform cluster as it was at that instant, with nothing but storage credentials and BACKUP_ENCRYPTION_KEY. The
 * base backups are found from the bucket's sidecars (no catalog needed), the newest one before the target is unpacked
 * into DIR, and the server is started with a restore_command calling this CLI's `wal fetch` and recovery_target_time,
 * promoted once it is reached, and left running. A target outside the archive's range is refused, naming the range.
 */
export async function drPitrCommand(options: DrRestoreOptions): Promise<void> {
  if (options.latest || options.backup || options.target || options.extractConfig || options.clean) throw new Error('--target-time recovers the whole cluster from a base backup and the WAL archive: it takes none of --latest, --backup, --target, --clean, --extract-config');
  if (!options.targetTime || !ISO_INSTANT.test(options.targetTime) || Number.isNaN(Date.parse(options.targetTime))) throw new Error('--target-time must be an ISO 8601 date-time with a time zone, e.g. 2026-12-02T14:32:00Z');
  if (!options.dataDir) throw new Error('--target-time needs --data-dir: a new or empty directory for the recovered cluster');
  const port = options.port === undefined ? await freePort() : Number(options.port);
  if (!Number.isInteger(port) || port < 1024 || port > 65535) throw new Error('--port must be an integer from 1024 to 65535');
  const targetTime = new Date(options.targetTime);
  if (targetTime.getTime() > Date.now()) throw new Error(`--target-time ${targetTime.toISOString()} is in the future`);
  const dataDir = resolve(options.dataDir);

  // The base backup is read from --provider (default: the primary), WAL from every configured provider, that one first.
  const configured = (process.env.STORAGE_PROVIDERS ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  const order = options.provider ? [options.provider, ...configured.filter((p) => p !== options.provider)] : configured;
  const { config, keySource } = disasterCliConfig(undefined, { ...process.env, STORAGE_PROVIDERS: order.join(',') || undefined });
  console.error(`encryption key: from ${keySource}`);
  const ring = KeyRing.fromBase64(config.encryption.activeKey, config.encryption.retiredKeys);
  const { adaptersFromConfig } = await import('../modules/storage');
  const adapters = adaptersFromConfig(config.storage);

  const bases: RecoveryBase[] = [];
  for (const sidecar of await baseBackupsAt(adapters[0], (key, reason) => console.error(`skipped ${key}: ${reason}`))) {
    const range = await readBaseRange(adapters[0], sidecar.key, sidecar.backupId).catch((error: Error) => {
      console.error(`skipped base backup ${sidecar.backupId}: ${error.message}`);
      return null;
    });
    if (range) bases.push(recoveryBaseOf({ id: sidecar.backupId, key: sidecar.key, sha256: sidecar.sha256, storedBytes: sidecar.storedBytes }, range));
    else console.error(`skipped base backup ${sidecar.backupId}: no WAL range sidecar beside it`);
  }

  const started = Date.now();
  const osUser = options.osUser ?? config.pointInTime.osUser;
  const audit = (outcome: 'SUCCESS' | 'FAILURE', detail: Record<string, unknown>) =>
    recordCliAction(config.databaseUrl, { actor: cliActor(options.actor), action: 'platform-recovery.cli', targetType: 'platform-recovery', outcome, detail: { targetTime: targetTime.toISOString(), dataDir, port, ...detail } }).then((recorded) => {
      if (!recorded) console.error('(not audited: no catalog answers at DATABASE_URL)');
    });
  let lastPhase = '';
  try {
    const { choice, outcome } = await recoverPlatform({
      config,
      adapters,
      ring,
      bases,
      targetTime,
      dataDir,
      port,
      osUser,
      action: 'promote',
      keepArchiving: Boolean(options.keepArchiving),
      logFile: `${dataDir}.recovery.log`,
      envFile: join(dirname(dataDir), `.${basename(dataDir)}.tenantvault-wal.env`),
      onPlanned: (c) => console.error(`base backup ${c.base.id} (consistent from ${c.base.stoppedAt.toISOString()}); WAL from ${c.walk.firstSegment} to ${c.walk.lastContiguous}, closed at ${c.coveredUntil.toISOString()}`),
      onProgress: (phase, percent) => {
        if (phase !== lastPhase) console.error(`${phase} ...`);
        lastPhase = phase;
        void percent;
      },
    });
    const how = outcome.reachedBy === 'end-of-archive' ? ' (no commit after it was archived: replayed to the end of the archive, which is that state)' : '';
    console.log(
      `recovered the platform to ${targetTime.toISOString()}${how} in ${((Date.now() - started) / 1000).toFixed(1)} s from base backup ${choice.base.id}: ` +
        `server running on port ${port} with data directory ${dataDir} as ${osUser}, log ${dataDir}.recovery.log; ` +
        `${options.keepArchiving ? 'archive_command kept' : 'archiving is off (archive_mode = off in postgresql.auto.conf): turn it back on before this server becomes the platform'}; ` +
        `stop it with: pg_ctl -D ${dataDir} stop`,
    );
    await audit('SUCCESS', { baseBackupId: choice.base.id, reachedBy: outcome.reachedBy });
  } catch (error) {
    await audit('FAILURE', { error: (error as Error).message });
    throw error;
  }
}
