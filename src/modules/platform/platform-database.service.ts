import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import { listTenantIds, TenantDataError, tenantExists } from '../../../libs/tenant-data';
import { APP_CONFIG, AppConfig } from '../../config';
import { PlatformUnavailableError, TenantNotFoundError } from './platform.errors';

/** The platform database TenantVault protects (SOURCE_DATABASE_URL): which tenants exist and are active. */
@Injectable()
export class PlatformDatabase implements OnModuleDestroy {
  private readonly logger = new Logger(PlatformDatabase.name);
  private readonly pool: Pool;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.pool = new Pool({ connectionString: config.sourceDatabaseUrl, max: 4, connectionTimeoutMillis: 5_000 });
    // An idle connection dropped by the server (restart, failover, idle_session_timeout) is reported here; without a
    // listener Node would end the process. The pool discards that connection and opens a new one when next needed.
    this.pool.on('error', (error) => this.logger.warn(`an idle connection to the platform database was lost: ${error.message}`));
  }

  get connectionString(): string {
    return this.config.sourceDatabaseUrl;
  }

  async assertTenantExists(tenantId: string): Promise<void> {
    const exists = await this.withClient((c) => tenantExists(c, this.config.tenancy, tenantId));
    if (!exists) throw new TenantNotFoundError(tenantId);
  }

  activeTenantIds(): Promise<string[]> {
    return this.withClient((c) => listTenantIds(c, this.config.tenancy, { activeOnly: true }));
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
    await this.pool.end();
  }
}

/** PostgreSQL answered (an SQLSTATE outside connection failures): the query, not the connection, was the problem. */
function isQueryError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08') && !code.startsWith('57P');
}
