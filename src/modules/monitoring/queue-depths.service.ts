import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Queue } from 'bullmq';
import { withTimeout } from '../../common/with-timeout';

export interface QueueDepth {
  queue: string;
  /** False when Redis did not answer in time; the counts are then null. */
  available: boolean;
  waiting: number | null;
  active: number | null;
  delayed: number | null;
  failed: number | null;
}

/** Redis answers these in milliseconds; a monitoring request must not wait out a Redis outage. */
const REDIS_TIMEOUT_MS = 2000;

/**
 * How many jobs wait, run, wait for a retry or failed, in every queue of the service. The queues are found among the
 * application's providers, so a context's new queue is counted without anyone listing it here.
 */
@Injectable()
export class QueueDepths {
  private queues?: Queue[];

  constructor(private readonly discovery: DiscoveryService) {}

  async depths(): Promise<QueueDepth[]> {
    return Promise.all(this.allQueues().map((queue) => this.depth(queue)));
  }

  private allQueues(): Queue[] {
    if (!this.queues) {
      const byName = new Map<string, Queue>();
      for (const wrapper of this.discovery.getProviders()) {
        const instance: unknown = wrapper.instance;
        if (instance instanceof Queue && !byName.has(instance.name)) byName.set(instance.name, instance);
      }
      this.queues = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
    }
    return this.queues;
  }

  private async depth(queue: Queue): Promise<QueueDepth> {
    try {
      const client = await withTimeout(queue.client, REDIS_TIMEOUT_MS);
      if (client.status !== 'ready') throw new Error(`Redis connection is ${client.status}`);
      const counts = await withTimeout(queue.getJobCounts('waiting', 'prioritized', 'paused', 'active', 'delayed', 'failed'), REDIS_TIMEOUT_MS);
      return {
        queue: queue.name,
        available: true,
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.paused ?? 0),
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0,
      };
    } catch {
      return { queue: queue.name, available: false, waiting: null, active: null, delayed: null, failed: null };
    }
  }
}
