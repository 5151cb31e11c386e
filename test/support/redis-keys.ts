import IORedis from 'ioredis';

/** Deletes every key matching `pattern` (e.g. a test's queue prefix), scanning so a big Redis is never blocked. */
export async function deleteRedisKeys(url: string, pattern: string): Promise<void> {
  const redis = new IORedis(url, { lazyConnect: true });
  await redis.connect();
  try {
    for await (const keys of redis.scanStream({ match: pattern, count: 500 })) {
      if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
    }
  } finally {
    redis.disconnect();
  }
}
