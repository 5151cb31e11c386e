import { existsSync } from 'node:fs';
import { Command, Option } from 'commander';
import { version } from '../package.json';
import { PROVIDER_NAMES } from '../libs/storage/storage.port';
import { ROLES } from './common/auth/principal';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * Operator CLI: runs without the service, from the same environment variables (and `.env`, like the service). Each
 * command loads what it needs when it runs, so `--help`, `--version` and `token` answer at once: only `restore`
 * starts the application, only the catalog commands load the ORM.
 */
const program = new Command('tenantvault').description('TenantVault operator CLI').version(version).showHelpAfterError();
const actorOption = () => new Option('--actor <name>', 'who runs this, for the audit trail (default: the operating-system user)');

program
  .command('migrate')
  .description('create the catalog database if missing, apply migrations, and seed the demo platform when no SOURCE_DATABASE_URL is set')
  .action(async () => (await import('./cli/migrate.command')).migrateCommand());

program
  .command('token')
  .description('mint a bearer token for local use (signed with JWT_SECRET, at most JWT_MAX_TTL)')
  .addOption(new Option('--role <role>', 'role claim').choices([...ROLES]).default('super_admin'))
  .option('--sub <subject>', 'who the token is for', 'local-operator')
  .option('--tenant <tenantId>', 'tenant_id claim (tenant_user tokens)')
  .option('--expires <duration>', 'lifetime, e.g. 3600, 45m, 12h or 7d', '12h')
  .action(async (options) => (await import('./cli/token.command')).tokenCommand(options));

program
  .command('decrypt')
  .description('decrypt a backup object to its plaintext (tar for tenant backups) with BACKUP_ENCRYPTION_KEY(S_RETIRED)')
  .option('--file <path>', 'a downloaded object')
  .addOption(new Option('--provider <name>', 'read the object from this configured provider').choices([...PROVIDER_NAMES]))
  .option('--key <objectKey>', 'object key at the provider, e.g. tenants/<tenant>/2026/11/<backup>.tvb')
  .option('--out <path>', 'output file (default: stdout); written under a temporary name, renamed once every chunk authenticated')
  .action(async (options) => {
    const [{ decryptCommand }, { configFromEnvironment }] = await Promise.all([import('./cli/decrypt.command'), import('./config')]);
    await decryptCommand(configFromEnvironment(), options);
  });

program
  .command('restore')
  .description('restore one tenant from one of its backups without the HTTP API: validation, PRE_RESTORE snapshot, then the import in one transaction (progress on stderr)')
  .requiredOption('--tenant <tenantId>', 'the tenant to restore')
  .requiredOption('--backup <backupId>', 'a COMPLETED TENANT or PRE_RESTORE backup of that tenant')
  .addOption(new Option('--mode <mode>', 'FULL: rows become the backup\'s; MERGE: missing rows are inserted, existing rows kept').choices(['FULL', 'MERGE']).default('FULL'))
  .addOption(new Option('--provider <name>', 'restore from this provider\'s copy only (default: any copy that validates)').choices([...PROVIDER_NAMES]))
  .option('--skip-validation', 'skip the validation pass (the import still authenticates every byte)', false)
  .addOption(actorOption())
  .action(async (options) => {
    const [{ restoreCommand }, { configFromEnvironment }] = await Promise.all([import('./cli/restore.command'), import('./config')]);
    await restoreCommand(configFromEnvironment(), options);
  });

const catalog = program.command('catalog').description('the catalog database (DATABASE_URL)');
catalog
  .command('rebuild')
  .description('create and migrate the catalog, then record every backup found in the sidecars (tenants/, disaster/, base/) and the WAL archive (wal/) of the provider(s); safe to repeat')
  .addOption(new Option('--provider <name>', 'scan only this provider (default: every configured provider)').choices([...PROVIDER_NAMES]))
  .addOption(actorOption())
  .action(async (options) => {
    await (await import('./cli/catalog-rebuild.command')).catalogRebuildCommand(options);
    // Then what point-in-time recovery needs: base backup WAL ranges and the WAL archive's index.
    await (await import('./cli/pitr-catalog-rebuild.command')).pitrCatalogRebuildCommand(options);
  });

const dr = program.command('dr').description('disaster recovery: needs only storage credentials and BACKUP_ENCRYPTION_KEY (docs/DISASTER-RECOVERY.md)');
dr.command('list')
  .description('completed disaster backups, newest first: with --provider from that bucket\'s sidecars, else from the catalog when DATABASE_URL answers, else from the primary bucket')
  .addOption(new Option('--provider <name>', 'read this provider\'s bucket').choices([...PROVIDER_NAMES]))
  .option('--json', 'print JSON')
  .action(async (options) => (await import('./cli/dr-list.command')).drListCommand(options));
dr.command('restore')
  .description('restore the whole platform database from a disaster backup found in the bucket (pg_restore --no-owner --exit-on-error), progress on stderr; with --target-time, recover the platform cluster to that second from a base backup and the WAL archive instead (docs/PITR.md)')
  .option('--latest', 'the newest disaster backup at the provider')
  .option('--backup <backupId>', 'this disaster backup')
  .option('--target <url>', 'an existing, empty database to restore into (postgresql://user:password@host:port/db; only ?sslmode= may be added)')
  .addOption(new Option('--provider <name>', 'read from this provider (default: the first of STORAGE_PROVIDERS)').choices([...PROVIDER_NAMES]))
  .option('--clean', 'drop what the dump contains before recreating it (needed for a non-empty target)', false)
  .option('--extract-config <dir>', 'also write the configuration bundle to this directory (alone: only the bundle, no restore)')
  .option('--target-time <iso>', 'point-in-time recovery: the platform cluster as it was at this instant (e.g. 2026-12-02T14:32:00Z), into --data-dir')
  .option('--data-dir <dir>', 'with --target-time: a new or empty directory for the recovered cluster')
  .option('--port <n>', 'with --target-time: the port the recovered server listens on (default: a free one)')
  .option('--os-user <name>', 'with --target-time, when run as root: the OS user the server runs as (default: PITR_OS_USER or postgres)')
  .option('--keep-archiving', 'with --target-time: keep the backed-up archive_command (only for the server that becomes the platform; a drill must not archive into the same place)', false)
  .addOption(actorOption())
  .action(async (options) => (await import('./cli/dr-restore.command')).drRestoreCommand(options));

const wal = program.command('wal').description('the WAL archive of the platform cluster, for its archive_command and restore_command (docs/PITR.md)');
wal
  .command('push <path>')
  .description('archive_command: compress, encrypt and store one WAL file at every provider; exit 0 once it is stored at the primary')
  .option('--env-file <file>', 'read the storage and key variables from this file (readable by the postgres OS user only)')
  .option('--verbose', 'say what was stored, and how long it took')
  .action(async (path: string, options) => (await import('./cli/wal-push.command')).walPushCommand(path, options));
wal
  .command('fetch <file> <path>')
  .description('restore_command: write one archived WAL file to <path>, from the first provider holding an intact copy; exit 1 when it is not archived')
  .option('--env-file <file>', 'read the storage and key variables from this file (readable by the postgres OS user only)')
  .action(async (file: string, path: string, options) => (await import('./cli/wal-fetch.command')).walFetchCommand(file, path, options));

// Variables already set win over the file, as for the service.
if (existsSync('.env')) process.loadEnvFile('.env');
program.parseAsync(process.argv).catch((error: unknown) => {
  // A configuration problem is listed as it is; anything else is one line naming what failed.
  console.error(error instanceof Error && error.name === 'ConfigError' ? error.message : `error: ${(error as Error)?.message ?? String(error)}`);
  if (process.env.LOG_LEVEL === 'debug' && error instanceof Error) console.error(error.stack);
  process.exit(1);
});
