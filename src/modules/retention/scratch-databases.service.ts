import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client } from 'pg';
import { discoverTenantGraph } from '../../../libs/tenant-data';
import { CONFIG_URL_PARAMS, locatePgTool, parsePgUrl, ParsedPgUrl, pgClientConfig, PgConnection, runPgRestore } from '../../../libs/pg-tools';
import { APP_CONFIG, AppConfig } from '../../config';
import { PlatformDatabase } from '../platform';
import { pgToolStream } from './pg-tool-stream';
import { ScratchDatabaseError } from './retention.errors';
import { SCRATCH_PREFIX } from './test-restore.entity';

/** The only names this service ever creates or drops. */
const SCRATCH_NAME = new RegExp(`^${SCRATCH_PREFIX}[0-9a-f]{32}$`);
/** How values are printed: the archive's COPY text was written with the platform's, the scratch database must match. */
const OUTPUT_SETTINGS = ['TimeZone', 'DateStyle', 'IntervalStyle', 'extra_float_digits', 'bytea_output'];

/**
 * Scratch databases for test restores, on the server of TEST_RESTORE_DATABASE_URL (the platform's by default), with its
 * credentials: the role needs CREATEDB, and owns what it creates. Never the platform database itself: every name is
 * `tv_scratch_<test restore id>`, checked before any statement.
 */
@Injectable()
export class ScratchDatabases {
  private readonly logger = new Logger(ScratchDatabases.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly platform: PlatformDatabase,
  ) {}

  /** The connection to a scratch database (or, without a name, to the database used to create and drop them). */
  connection(name?: string): ParsedPgUrl {
    const server = parsePgUrl(this.config.maintenance.scratchDatabaseUrl ?? this.platform.connectionString, CONFIG_URL_PARAMS);
    return name ? { ...server, database: assertScratchName(name) } : server;
  }

  /** Creates an empty database (template0); a leftover of the same name, from an attempt that was killed, is dropped first. */
  async create(name: string): Promise<ParsedPgUrl> {
    assertScratchName(name);
    await this.onServer(async (client) => {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.query(`CREATE DATABASE "${name}" TEMPLATE template0`);
    });
    return this.connection(name);
  }

  async drop(name: string): Promise<void> {
    assertScratchName(name);
    await this.onServer((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  }

  /** Every scratch database on the server, this deployment's or another's. */
  async existing(): Promise<string[]> {
    const { rows } = await this.onServer((client) => client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'tv\\_scratch\\_%' ORDER BY datname`));
    return rows.map((r) => r.datname).filter((name) => SCRATCH_NAME.test(name));
  }

  /**
   * The platform's current schema in the scratch database, with the rows of its global tables (foreign keys of tenant
   * rows point at them) and no row of any tenant table: `pg_dump --schema-only`-like, through one pg_dump | pg_restore.
   * The scratch database then prints values the way the platform does.
   */
  async loadPlatformSchema(scratch: PgConnection): Promise<void> {
    const source = parsePgUrl(this.platform.connectionString, CONFIG_URL_PARAMS);
    const client = new Client(pgClientConfig(source, { connectionTimeoutMillis: 10_000 }));
    client.on('error', () => undefined);
    let tenantTables: string[];
    let settings: string[];
    let serverMajor: number;
    try {
      await client.connect();
      tenantTables = (await discoverTenantGraph(client, this.config.tenancy)).tables.map((t) => t.qualifiedName);
      const { rows } = await client.query<Record<string, string>>(`SELECT ${OUTPUT_SETTINGS.map((s, i) => `current_setting('${s}') AS s${i}`).join(', ')}, current_setting('server_version_num') AS version`);
      settings = OUTPUT_SETTINGS.map((s, i) => `ALTER DATABASE "${scratch.database}" SET ${s} TO ${literal(rows[0][`s${i}`])}`);
      serverMajor = Math.floor(Number(rows[0].version) / 10_000);
    } finally {
      await client.end().catch(() => undefined);
    }
    await this.onServer(async (c) => {
      for (const statement of settings) await c.query(statement);
    });
    const pgDump = await locatePgTool('pg_dump', serverMajor);
    const pgRestore = await locatePgTool('pg_restore', pgDump.major);
    // Quoted names are patterns matched literally: no tenant table's rows leave the platform.
    const args = ['--format=custom', '--compress=0', '--no-owner', '--no-privileges', '--no-subscriptions', '--no-publications', ...tenantTables.map((t) => `--exclude-table-data=${t}`)];
    try {
      await runPgRestore(pgRestore, scratch, pgToolStream(pgDump, args, source), { clean: false });
    } catch (error) {
      throw new ScratchDatabaseError(`the platform's schema could not be loaded into the scratch database: ${(error as Error).message}`);
    }
  }

  private async onServer<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client(pgClientConfig(this.connection(), { connectionTimeoutMillis: 10_000, application_name: 'tenantvault-scratch' }));
    client.on('error', (error) => this.logger.warn(`scratch server connection: ${error.message}`));
    try {
      await client.connect();
      return await fn(client);
    } catch (error) {
      throw new ScratchDatabaseError(`scratch database server: ${(error as Error).message}`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

function assertScratchName(name: string): string {
  if (!SCRATCH_NAME.test(name)) throw new ScratchDatabaseError(`refusing to touch database "${name.slice(0, 80)}": scratch databases are named ${SCRATCH_PREFIX}<32 hex>`);
  return name;
}

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
