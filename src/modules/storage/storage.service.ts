import { Inject, Injectable } from '@nestjs/common';
import type { ProviderName, StoragePort } from '../../../libs/storage/storage.port';
import { estimatedMonthlyCost } from './storage-cost';
import { UnknownProviderError } from './storage.errors';
import { STORAGE_ADAPTERS } from './storage.tokens';

export interface ProviderStatus {
  provider: string;
  primary: boolean;
  reachable: boolean;
  objects: number | null;
  bytes: number | null;
  estimatedMonthlyCostUsd: number | null;
  error?: string;
}

/** The configured storage providers, primary first: the only way other contexts reach an adapter. */
@Injectable()
export class StorageService {
  constructor(@Inject(STORAGE_ADAPTERS) private readonly adapters: StoragePort[]) {}

  get providers(): StoragePort[] {
    return this.adapters;
  }

  get names(): ProviderName[] {
    return this.adapters.map((a) => a.name);
  }

  /** The adapter of a configured provider; STORAGE.UNKNOWN_PROVIDER (400) for any other name. */
  require(name: string): StoragePort {
    const adapter = this.adapters.find((a) => a.name === name);
    if (!adapter) throw new UnknownProviderError(name, this.names);
    return adapter;
  }

  /** Checks that an optional provider asked for by a client is configured. */
  assertConfigured(name: string | undefined): void {
    if (name !== undefined) this.require(name);
  }

  /** Every provider checked concurrently; one being down does not hide the others. */
  status(): Promise<ProviderStatus[]> {
    return Promise.all(
      this.adapters.map(async (adapter, index) => {
        try {
          await adapter.ping();
          const usage = await adapter.usage();
          return { provider: adapter.name, primary: index === 0, reachable: true, ...usage, estimatedMonthlyCostUsd: estimatedMonthlyCost(adapter.name, usage.bytes) };
        } catch (error) {
          return { provider: adapter.name, primary: index === 0, reachable: false, objects: null, bytes: null, estimatedMonthlyCostUsd: null, error: (error as Error).message };
        }
      }),
    );
  }
}
