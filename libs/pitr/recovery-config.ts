import { chown, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OsUser } from './local-cluster';

/** How a recovered server is set up: where it reads WAL from, where it stops, and how it can be reached. */
export interface RecoverySettings {
  /** The shell command PostgreSQL runs for each file it needs (`%f` file name, `%p` destination). */
  restoreCommand: string;
  /** Stop at the first commit after this instant; none: replay everything the archive holds. */
  targetTime?: Date;
  /** `promote`: the recovered server opens for writes (a new timeline); `pause`: it stays read-only at the target. */
  action: 'promote' | 'pause';
  port: number;
  /** Keep the configured archive_command: for the server that will become the platform, never for copies and drills. */
  keepArchiving: boolean;
  /** A throw-away copy: reachable only through a Unix socket in this private directory, trusted there, nothing else. */
  scratchSocketDir?: string;
}

const BEGIN = '# --- TenantVault point-in-time recovery: begin ---';
const END = '# --- TenantVault point-in-time recovery: end ---';

/** A value for postgresql.conf: single-quoted, quotes doubled. */
export function confString(value: string): string {
  if (/[\n\r\0]/.test(value)) throw new Error('a configuration value cannot hold a line break');
  return `'${value.replace(/'/g, "''")}'`;
}

/** An instant as recovery_target_time accepts it (it refuses ISO 8601's `T` and `Z`): `2026-12-02 14:32:00.123+00`. */
export function pgTimestamp(at: Date): string {
  return at.toISOString().replace('T', ' ').replace('Z', '+00');
}

/** One argument for /bin/sh, which runs restore_command: single-quoted, so nothing in it is interpreted. */
export function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The settings block, in postgresql.auto.conf, that turns a restored data directory into a recovering server. */
export function recoveryConfBlock(settings: RecoverySettings, dataDir: string): string {
  const lines = [
    BEGIN,
    `restore_command = ${confString(settings.restoreCommand)}`,
    ...(settings.targetTime ? [`recovery_target_time = ${confString(pgTimestamp(settings.targetTime))}`, `recovery_target_inclusive = on`, `recovery_target_action = ${confString(settings.action)}`] : []),
    `recovery_target_timeline = 'latest'`,
    `port = ${settings.port}`,
    // The log is read to tell a target reached from a recovery that ran out of WAL: its messages must be English.
    `lc_messages = 'C'`,
    `logging_collector = off`,
    ...(settings.keepArchiving ? [] : [`archive_mode = off`, `archive_command = ''`]),
    `primary_conninfo = ''`,
    `primary_slot_name = ''`,
    `hot_standby = on`,
    ...(settings.scratchSocketDir
      ? [`listen_addresses = ''`, `unix_socket_directories = ${confString(settings.scratchSocketDir)}`, `hba_file = ${confString(join(dataDir, 'pg_hba.conf'))}`, `ident_file = ${confString(join(dataDir, 'pg_ident.conf'))}`, `ssl = off`]
      : []),
    END,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Writes the recovery settings into postgresql.auto.conf (replacing an earlier TenantVault block), `recovery.signal`,
 * and what a data directory restored from a base backup may lack: postgresql.conf and pg_hba.conf live outside it on
 * Debian-style installations. A scratch copy gets a pg_hba.conf that trusts its private socket and nothing else.
 */
export async function writeRecoveryConfiguration(dataDir: string, settings: RecoverySettings, owner?: OsUser): Promise<void> {
  const autoConf = join(dataDir, 'postgresql.auto.conf');
  const existing = await readFile(autoConf, 'utf8').catch(() => '');
  const kept = existing.replace(new RegExp(`${escape(BEGIN)}[\\s\\S]*?${escape(END)}\\n?`, 'g'), '');
  const files: [string, string][] = [[autoConf, `${kept}${kept.endsWith('\n') || kept === '' ? '' : '\n'}${recoveryConfBlock(settings, dataDir)}`], [join(dataDir, 'recovery.signal'), '']];
  if (!(await exists(join(dataDir, 'postgresql.conf')))) files.push([join(dataDir, 'postgresql.conf'), '# Written by TenantVault: the platform kept its configuration outside the data directory.\n']);
  if (settings.scratchSocketDir) files.push([join(dataDir, 'pg_hba.conf'), '# A TenantVault scratch copy: reachable only through its private Unix socket.\nlocal all all trust\n']);
  else if (!(await exists(join(dataDir, 'pg_hba.conf')))) files.push([join(dataDir, 'pg_hba.conf'), '# Written by TenantVault: review before opening this server to clients.\nlocal all all peer\n']);
  if (!(await exists(join(dataDir, 'pg_ident.conf')))) files.push([join(dataDir, 'pg_ident.conf'), '']);
  for (const [path, content] of files) {
    await writeFile(path, content, { mode: 0o600 });
    if (owner) await chown(path, owner.uid, owner.gid);
  }
  // A base backup taken from a standby carries its standby.signal: this server recovers from the archive, not from a primary.
  await rm(join(dataDir, 'standby.signal'), { force: true });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
