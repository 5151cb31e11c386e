import type { AppConfig } from '../config';

/** How often running work shows a sign of life: well inside the stall limit after which the sweep ends it. */
export function heartbeatIntervalMs(config: AppConfig): number {
  return Math.min(15_000, Math.max(200, Math.floor(config.queues.stallLimitMs / 3)));
}

/** Calls `beat` every interval until the returned function is called; a failed beat is retried at the next one. */
export function everyInterval(intervalMs: number, beat: () => Promise<unknown>): () => void {
  const timer = setInterval(() => void beat().catch(() => undefined), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
