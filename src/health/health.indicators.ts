import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { MIGRATIONS } from '../../migrations';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import IORedis from 'ioredis';
import type { StoragePort } from '../../libs/storage/storage.port';
import { redisConnection } from '../common/redis-connection';
import { withTimeout } from '../common/with-timeout';
import { APP_CONFIG, AppConfig } from '../config';
import { PlatformDatabase } from '../modules/platform';
import { STORAGE_ADAPTERS } from '../modules/storage';

/** A dependency answering within this time counts as up; a hung one must not hang the probe. */
const PROBE_TIMEOUT_MS = 3000;

@Injectable()
export class DependencyIndicators implements OnModuleDestroy {
  /** Its own connection, failing fast: a probe must report Redis down, not wait in the queues' reconnect loop. */
  private readonly redisProbe: IORedis;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly em: EntityManager,
    private readonly health: HealthIndicatorService,
    @Inject(STORAGE_ADAPTERS) private readonly adapters: StoragePort[],
    private readonly platform: PlatformDatabase,
  ) {
    this.redisProbe = new IORedis({ ...redisConnection(config.redisUrl), lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: PROBE_TIMEOUT_MS, retryStrategy: () => null });
    this.redisProbe.on('error', () => undefined); // reported by the probe itself
  }

  private async probe(key: string, check: () => Promise<unknown>): Promise<HealthIndicatorResult> {
    const session = this.health.check(key);
    try {
      await withTimeout(check(), PROBE_TIMEOUT_MS);
      return session.up();
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }

  /**
   * Every migration of this version applied to the catalog: a service on an older schema answers 500 to everything,
   * so it is not ready. The message says what to run.
   */
  migrations(): Promise<HealthIndicatorResult> {
    return this.probe('migrations', async () => {
      const applied = await this.em
        .getConnection()
        .execute<{ name: string }[]>('select name from mikro_orm_migrations')
        .then((rows) => new Set(rows.map((r) => r.name)), () => new Set<string>());
      const pending = MIGRATIONS.map((m) => m.name).filter((name) => !applied.has(name));
      if (pending.length > 0) throw new Error(`${pending.length} catalog migration(s) not applied (${pending.join(', ')}): run \`node dist/src/cli.js migrate\` (npm run migrate)`);
    });
  }

  redis(): Promise<HealthIndicatorResult> {
    return this.probe('redis', async () => {
      if (this.redisProbe.status !== 'ready') {
        this.redisProbe.disconnect();
        await this.redisProbe.connect();
      }
      await this.redisProbe.ping();
    });
  }

  platformDatabase(): Promise<HealthIndicatorResult> {
    return this.probe('platform_database', () => this.platform.ping());
  }

  storage(): (() => Promise<HealthIndicatorResult>)[] {
    return this.adapters.map((adapter) => () => this.probe(`storage_${adapter.name}`, () => adapter.ping()));
  }

  onModuleDestroy(): void {
    this.redisProbe.disconnect();
  }
}
