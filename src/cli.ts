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
  .description('create and migrate the catalog, then record every backup found in the sidecars (tenants/ and disaster/) of the provider(s); safe to repeat')
  .addOption(new Option('--provider <name>', 'scan only this provider (default: every configured provider)').choices([...PROVIDER_NAMES]))
  .addOption(actorOption())
  .action(async (options) => (await import('./cli/catalog-rebuild.command')).catalogRebuildCommand(options));

const dr = program.command('dr').description('disaster recovery: needs only storage credentials and BACKUP_ENCRYPTION_KEY (docs/DISASTER-RECOVERY.md)');
dr.command('list')
  .description('completed disaster backups, newest first: with --provider from that bucket\'s sidecars, else from the catalog when DATABASE_URL answers, else from the primary bucket')
  .addOption(new Option('--provider <name>', 'read this provider\'s bucket').choices([...PROVIDER_NAMES]))
  .option('--json', 'print JSON')
  .action(async (options) => (await import('./cli/dr-list.command')).drListCommand(options));
dr.command('restore')
  .description('restore the whole platform database from a disaster backup found in the bucket (pg_restore --no-owner --exit-on-error), progress on stderr')
  .option('--latest', 'the newest disaster backup at the provider')
  .option('--backup <backupId>', 'this disaster backup')
  .option('--target <url>', 'an existing, empty database to restore into (postgresql://user:password@host:port/db; only ?sslmode= may be added)')
  .addOption(new Option('--provider <name>', 'read from this provider (default: the first of STORAGE_PROVIDERS)').choices([...PROVIDER_NAMES]))
  .option('--clean', 'drop what the dump contains before recreating it (needed for a non-empty target)', false)
  .option('--extract-config <dir>', 'also write the configuration bundle to this directory (alone: only the bundle, no restore)')
  .addOption(actorOption())
  .action(async (options) => (await import('./cli/dr-restore.command')).drRestoreCommand(options));

// Variables already set win over the file, as for the service.
if (existsSync('.env')) process.loadEnvFile('.env');
program.parseAsync(process.argv).catch((error: unknown) => {
  // A configuration problem is listed as it is; anything else is one line naming what failed.
  console.error(error instanceof Error && error.name === 'ConfigError' ? error.message : `error: ${(error as Error)?.message ?? String(error)}`);
  if (process.env.LOG_LEVEL === 'debug' && error instanceof Error) console.error(error.stack);
  process.exit(1);
});
