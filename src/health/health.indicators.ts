import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { Queue } from 'bullmq';
import type { StoragePort } from '../../libs/storage/storage.port';
import { QueueName } from '../modules/backups/backups.jobs';
import { PlatformDatabase } from '../modules/platform/platform-database.service';
import { STORAGE_ADAPTERS } from '../modules/storage/storage.tokens';

/** A dependency answering within this time counts as up; a hung one must not hang the probe. */
const PROBE_TIMEOUT_MS = 3000;

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

@Injectable()
export class DependencyIndicators {
  constructor(
    private readonly health: HealthIndicatorService,
    @InjectQueue(QueueName.BACKUPS) private readonly queue: Queue,
    @Inject(STORAGE_ADAPTERS) private readonly adapters: StoragePort[],
    private readonly platform: PlatformDatabase,
  ) {}

  private async probe(key: string, check: () => Promise<unknown>): Promise<HealthIndicatorResult> {
    const session = this.health.check(key);
    try {
      await withTimeout(check());
      return session.up();
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }

  redis(): Promise<HealthIndicatorResult> {
    return this.probe('redis', async () => ((await this.queue.client) as unknown as { ping(): Promise<string> }).ping());
  }

  platformDatabase(): Promise<HealthIndicatorResult> {
    return this.probe('platform_database', () => this.platform.ping());
  }

  storage(): (() => Promise<HealthIndicatorResult>)[] {
    return this.adapters.map((adapter) => () => this.probe(`storage_${adapter.name}`, () => adapter.ping()));
  }
}
