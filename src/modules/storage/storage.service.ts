import { Inject, Injectable } from '@nestjs/common';
import type { ProviderName, StoragePort } from '../../../libs/storage/storage.port';
import { UnknownProviderError } from './storage.errors';
import { STORAGE_ADAPTERS } from './storage.tokens';

/** Whether a provider answered a ping, within PING_TIMEOUT_MS. */
export interface ProviderReachability {
  provider: ProviderName;
  primary: boolean;
  reachable: boolean;
  error?: string;
}

/** A status page must not hang on a provider that does not answer. */
const PING_TIMEOUT_MS = 5_000;

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

  /** Every provider pinged concurrently; one being down (or silent) does not hide the others. */
  reachability(): Promise<ProviderReachability[]> {
    return Promise.all(
      this.adapters.map(async (adapter, index) => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
        });
        try {
          await Promise.race([adapter.ping(), timeout]);
          return { provider: adapter.name, primary: index === 0, reachable: true };
        } catch (error) {
          return { provider: adapter.name, primary: index === 0, reachable: false, error: (error as Error).message };
        } finally {
          clearTimeout(timer);
        }
      }),
    );
  }
}
