import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import {
  discoverTenantGraph,
  existingTenantIds,
  listTenantIds,
  openTenantExport,
  scopeIndexRecommendations,
  TenantDataError,
  TenantExport,
  tenantExists,
  TenantGraphCache,
} from '../../../libs/tenant-data';
import { APP_CONFIG, AppConfig } from '../../config';
import { PlatformUnavailableError, TenantNotFoundError } from './platform.errors';

/**
 * The platform database TenantVault protects (SOURCE_DATABASE_URL): which tenants exist and are active, and the
 * exports of their rows.
 */
@Injectable()
export class PlatformDatabase implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PlatformDatabase.name);
  private readonly pool: Pool;
  /**
   * Connections of tenant exports, kept open between backups: a new backend per backup would cost a fork and cold
   * catalog caches. One per concurrent backup, and room for PRE_RESTORE snapshots.
   */
  private readonly exportPool: Pool;
  private readonly graphs = new TenantGraphCache();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.pool = new Pool({ connectionString: config.sourceDatabaseUrl, max: 4, connectionTimeoutMillis: 5_000 });
    // An idle connection dropped by the server (restart, failover, idle_session_timeout) is reported here; without a
    // listener Node would end the process. The pool discards that connection and opens a new one when next needed.
    this.pool.on('error', (error) => this.logger.warn(`an idle connection to the platform database was lost: ${error.message}`));
    this.exportPool = new Pool({ connectionString: config.sourceDatabaseUrl, max: config.queues.backupConcurrency + 2, idleTimeoutMillis: 30_000, application_name: 'tenantvault-export' });
    this.exportPool.on('error', (error) => this.logger.warn(`an idle export connection to the platform database was lost: ${error.message}`));
    // Lost while an export holds it: the export's next read reports it; the event must not end the process.
    this.exportPool.on('connect', (client) => client.on('error', () => undefined));
  }

  get connectionString(): string {
    return this.config.sourceDatabaseUrl;
  }

  /** Workers export tenants: tell the operator once, at startup, which indexes would keep each export to its tenant's rows. */
  onApplicationBootstrap(): void {
    if (this.config.role === 'worker' || this.config.role === 'all') void this.warnAboutMissingScopeIndexes();
  }

  /** A tenant's rows in one snapshot, on a pooled connection, with the tenant graph cached per schema fingerprint. */
  openTenantExport(tenantId: string): Promise<TenantExport> {
    return openTenantExport(this.exportPool, this.config.tenancy, tenantId, { graphs: this.graphs });
  }

  async assertTenantExists(tenantId: string): Promise<void> {
    const exists = await this.withClient((c) => tenantExists(c, this.config.tenancy, tenantId));
    if (!exists) throw new TenantNotFoundError(tenantId);
  }

  activeTenantIds(): Promise<string[]> {
    return this.withClient((c) => listTenantIds(c, this.config.tenancy, { activeOnly: true }));
  }

  /** Which of `ids` name a tenant (active or not), in one query. */
  existingTenantIds(ids: readonly string[]): Promise<Set<string>> {
    return this.withClient((c) => existingTenantIds(c, this.config.tenancy, ids));
  }

  async ping(): Promise<void> {
    await this.withClient((c) => c.query('select 1'));
  }

  /** A connection that cannot be had or breaks is the platform being unavailable (503), not a client's mistake. */
  private async withClient<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw new PlatformUnavailableError((error as Error).message);
    }
    try {
      return await fn(client);
    } catch (error) {
      if (error instanceof TenantDataError || isQueryError(error)) throw error;
      throw new PlatformUnavailableError((error as Error).message);
    } finally {
      client.release();
    }
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([this.pool.end(), this.exportPool.end()]);
  }

  /** One warning per index tenant scoping lacks (docs/TENANT-SCOPE.md); a platform that cannot be read now is no reason to stop. */
  private async warnAboutMissingScopeIndexes(): Promise<void> {
    try {
      const graph = await this.withClient((c) => discoverTenantGraph(c, this.config.tenancy));
      for (const missing of scopeIndexRecommendations(graph)) {
        this.logger.warn(
          `${missing.table} has no index on (${missing.columns.join(', ')}), which tenant backups need (${missing.reason}): each tenant's export reads the whole table. Create it with: ${missing.sql}`,
        );
      }
    } catch (error) {
      this.logger.warn(`could not check the platform database for the indexes tenant backups need: ${(error as Error).message}`);
    }
  }
}

/** PostgreSQL answered (an SQLSTATE outside connection failures): the query, not the connection, was the problem. */
function isQueryError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08') && !code.startsWith('57P');
}
