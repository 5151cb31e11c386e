import type { ProviderName } from '../../../libs/storage/storage.port';

/**
 * List prices in USD per GB-month used for the monthly estimate of /storage/status (storage only; egress and
 * operations excluded): Backblaze B2 $6/TB, Cloudflare R2 $15/TB, local disk counted as free.
 */
export const PRICE_PER_GB_MONTH: Record<ProviderName, number> = { local: 0, b2: 0.006, r2: 0.015 };

export function estimatedMonthlyCost(provider: ProviderName, bytes: number): number {
  return Math.round((bytes / 1e9) * PRICE_PER_GB_MONTH[provider] * 100) / 100;
}
