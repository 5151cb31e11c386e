import 'reflect-metadata';
import { Command, Option } from 'commander';
import { signToken } from './common/auth/jwt-tokens';
import { ROLES, Role } from './common/auth/principal';
import { decryptCommand } from './cli/decrypt.command';
import { ensureDemoPlatform } from './cli/demo-platform';
import { ConfigError, configFromEnvironment, parseDurationSeconds } from './config';
import { migrateCatalog } from './database/migrate';
import { redactUrl } from './logging';
import { PROVIDER_NAMES } from '../libs/storage/storage.port';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Operator CLI: runs without the service, from the same environment variables. */
const program = new Command('tenantvault').description('TenantVault operator CLI').showHelpAfterError();

program
  .command('migrate')
  .description('create the catalog database if missing, apply migrations, and seed the demo platform when no SOURCE_DATABASE_URL is set')
  .action(async () => {
    const config = configFromEnvironment();
    const applied = await migrateCatalog(config.databaseUrl);
    console.error(`catalog ${redactUrl(config.databaseUrl)}: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
    if (config.demoPlatform && (await ensureDemoPlatform(config.sourceDatabaseUrl))) {
      console.error(`demo platform database created and seeded at ${redactUrl(config.sourceDatabaseUrl)}`);
    }
  });

program
  .command('token')
  .description('mint a bearer token for local use (signed with JWT_SECRET)')
  .addOption(new Option('--role <role>', 'role claim').choices([...ROLES]).default('super_admin'))
  .option('--sub <subject>', 'who the token is for', 'local-operator')
  .option('--tenant <tenantId>', 'tenant_id claim (tenant_user tokens)')
  .option('--expires <duration>', 'lifetime, e.g. 12h or 7d', '12h')
  .action((options: { role: Role; sub: string; tenant?: string; expires: string }) => {
    const config = configFromEnvironment();
    if (options.role === 'tenant_user' && !options.tenant) throw new Error('--tenant is required for a tenant_user token');
    const seconds = parseDurationSeconds(options.expires);
    if (seconds === undefined || seconds < 1) throw new Error('--expires must be a duration such as 3600, 45m, 12h or 7d');
    if (seconds > config.auth.maxTokenTtlSeconds) throw new Error(`--expires ${options.expires} is longer than JWT_MAX_TTL (${config.auth.maxTokenTtlSeconds} s): the service would refuse the token`);
    console.log(signToken({ sub: options.sub, role: options.role, tenantId: options.tenant }, config.jwtSecret, seconds, { issuer: config.auth.issuer, audience: config.auth.audience }));
  });

program
  .command('decrypt')
  .description('decrypt a backup object to its plaintext (tar for tenant backups) with BACKUP_ENCRYPTION_KEY(S_RETIRED)')
  .option('--file <path>', 'a downloaded object')
  .option('--provider <name>', 'read the object from this configured provider')
  .option('--key <objectKey>', 'object key at the provider, e.g. tenants/<tenant>/2026/11/<backup>.tvb')
  .option('--out <path>', 'output file (default: stdout)')
  .action(async (options) => decryptCommand(configFromEnvironment(), options));

program
  .command('restore')
  .description('restore one tenant from one of its backups without the HTTP API: validation, PRE_RESTORE snapshot, then the import in one transaction (progress on stderr)')
  .requiredOption('--tenant <tenantId>', 'the tenant to restore')
  .requiredOption('--backup <backupId>', 'a COMPLETED TENANT or PRE_RESTORE backup of that tenant')
  .addOption(new Option('--mode <mode>', 'FULL: rows become the backup\'s; MERGE: missing rows are inserted').choices(['FULL', 'MERGE']).default('FULL'))
  .addOption(new Option('--provider <name>', 'restore from this provider\'s copy only (default: any copy that validates)').choices([...PROVIDER_NAMES]))
  .option('--skip-validation', 'skip the validation pass (the import still authenticates every byte)', false)
  // Loaded on demand: it brings the whole application module, which the other commands do not need.
  .action(async (options) => (await import('./cli/restore.command')).restoreCommand(configFromEnvironment(), options));

const catalog = program.command('catalog').description('the catalog database (DATABASE_URL)');
catalog
  .command('rebuild')
  .description('create and migrate the catalog, then record every backup found in the sidecars (tenants/ and disaster/) of the provider(s); safe to repeat')
  .addOption(new Option('--provider <name>', 'scan only this provider (default: every configured provider)').choices([...PROVIDER_NAMES]))
  .action(async (options) => (await import('./cli/catalog-rebuild.command')).catalogRebuildCommand(options));

const dr = program.command('dr').description('disaster recovery: needs only storage credentials and BACKUP_ENCRYPTION_KEY (docs/DISASTER-RECOVERY.md)');
dr.command('list')
  .description('completed disaster backups, newest first: from the catalog when DATABASE_URL answers, else from the bucket\'s sidecars')
  .addOption(new Option('--provider <name>', 'this provider (default: the first of STORAGE_PROVIDERS)').choices([...PROVIDER_NAMES]))
  .option('--json', 'print JSON')
  .action(async (options) => (await import('./cli/dr-list.command')).drListCommand(options));
dr.command('restore')
  .description('restore the whole platform database from a disaster backup found in the bucket (pg_restore --no-owner --exit-on-error), progress on stderr')
  .option('--latest', 'the newest disaster backup at the provider')
  .option('--backup <backupId>', 'this disaster backup')
  .option('--target <url>', 'an existing, empty database to restore into (postgresql://user:password@host:port/db)')
  .addOption(new Option('--provider <name>', 'read from this provider (default: the first of STORAGE_PROVIDERS)').choices([...PROVIDER_NAMES]))
  .option('--clean', 'drop what the dump contains before recreating it (needed for a non-empty target)', false)
  .option('--extract-config <dir>', 'also write the configuration bundle to this directory (alone: only the bundle, no restore)')
  .action(async (options) => (await import('./cli/dr-restore.command')).drRestoreCommand(options));

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `error: ${(error as Error).message}`);
  process.exit(1);
});
