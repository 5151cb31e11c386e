import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Pool } from 'pg';
import { listTenantIds, tenantExists } from '../../../libs/tenant-data';
import { APP_CONFIG, AppConfig } from '../../config';
import { TenantNotFoundError } from './platform.errors';

/** The platform database TenantVault protects (SOURCE_DATABASE_URL): which tenants exist and are active. */
@Injectable()
export class PlatformDatabase implements OnModuleDestroy {
  private readonly pool: Pool;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.pool = new Pool({ connectionString: config.sourceDatabaseUrl, max: 4 });
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
    await this.pool.query('select 1');
  }

  private async withClient<T>(fn: (client: import('pg').PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      return await fn(client);
    } finally {
      client.release();
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.end();
  }
}
