import { Inject, Injectable } from '@nestjs/common';
import type { StoragePort } from '../../../libs/storage/storage.port';
import { estimatedMonthlyCost } from './storage-cost';
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

@Injectable()
export class StorageService {
  constructor(@Inject(STORAGE_ADAPTERS) private readonly adapters: StoragePort[]) {}

  get providers(): StoragePort[] {
    return this.adapters;
  }

  byName(name: string): StoragePort | undefined {
    return this.adapters.find((a) => a.name === name);
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
