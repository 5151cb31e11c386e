import 'reflect-metadata';
import { Command, Option } from 'commander';
import { signToken } from './common/auth/jwt-tokens';
import { ROLES, Role } from './common/auth/principal';
import { decryptCommand } from './cli/decrypt.command';
import { ensureDemoPlatform } from './cli/demo-platform';
import { ConfigError, configFromEnvironment } from './config';
import { migrateCatalog } from './database/migrate';
import { redactUrl } from './logging';

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
    console.log(signToken({ sub: options.sub, role: options.role, tenantId: options.tenant }, config.jwtSecret, options.expires as '12h'));
  });

program
  .command('decrypt')
  .description('decrypt a backup object to its plaintext (tar for tenant backups) with BACKUP_ENCRYPTION_KEY(S_RETIRED)')
  .option('--file <path>', 'a downloaded object')
  .option('--provider <name>', 'read the object from this configured provider')
  .option('--key <objectKey>', 'object key at the provider, e.g. tenants/<tenant>/2026/11/<backup>.tvb')
  .option('--out <path>', 'output file (default: stdout)')
  .action(async (options) => decryptCommand(configFromEnvironment(), options));

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `error: ${(error as Error).message}`);
  process.exit(1);
});
