import IORedis from 'ioredis';
import { Client } from 'pg';
import { redisConnection } from './common/redis-connection';
import { AppConfig } from './config';
import { redactUrl } from './logging';

const TIMEOUT_MS = 5_000;

/** A dependency the service cannot start without; the message names the variable and never the password. */
export class StartupError extends Error {
  constructor(variable: string, url: string, reason: string) {
    super(`${variable}: cannot connect to ${redactUrl(url)}: ${reason}`);
    this.name = 'StartupError';
  }
}

/**
 * Checks, all at once and within seconds, that the catalog, the platform database and Redis answer, so that a wrong
 * URL ends the process with one line naming it rather than with a stack trace from deep inside a driver.
 */
export async function checkDependencies(config: AppConfig): Promise<void> {
  const failures = (
    await Promise.all([
      probe('DATABASE_URL', config.databaseUrl, () => pingPostgres(config.databaseUrl)),
      probe(config.demoPlatform ? 'DEMO_DATABASE_URL' : 'SOURCE_DATABASE_URL', config.sourceDatabaseUrl, () => pingPostgres(config.sourceDatabaseUrl)),
      probe('REDIS_URL', config.redisUrl, () => pingRedis(config.redisUrl)),
    ])
  ).filter((f): f is StartupError => f !== undefined);
  if (failures.length > 0) throw new AggregateStartupError(failures);
}

export class AggregateStartupError extends Error {
  constructor(readonly failures: StartupError[]) {
    super(failures.map((f) => f.message).join('\n'));
    this.name = 'StartupError';
  }
}

async function probe(variable: string, url: string, check: () => Promise<void>): Promise<StartupError | undefined> {
  try {
    await check();
    return undefined;
  } catch (error) {
    return new StartupError(variable, url, reasonOf(error));
  }
}

async function pingPostgres(url: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: TIMEOUT_MS, application_name: 'tenantvault-startup' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function pingRedis(url: string): Promise<void> {
  const redis = new IORedis({ ...redisConnection(url), lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: TIMEOUT_MS, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } finally {
    redis.disconnect();
  }
}

/** The driver's reason in a few words: node's connect errors are AggregateErrors whose message is empty. */
function reasonOf(error: unknown): string {
  const err = error as Error & { code?: string; errors?: (Error & { code?: string })[] };
  if (err.message) return err.message;
  const inner = err.errors?.[0];
  return inner ? inner.message || inner.code || 'unknown error' : err.code ?? 'unknown error';
}
