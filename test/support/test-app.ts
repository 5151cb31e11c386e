import { INestApplication, LoggerService } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpApp } from '../../src/app.factory';
import { signToken } from '../../src/common/auth/jwt-tokens';
import { AppConfig, loadConfig } from '../../src/config';
import { deleteRedisKeys } from './redis-keys';
import { createTestDatabase, TestDatabase } from './test-database';
import { S3TestServer, startS3Server } from './s3-server';

export const TEST_JWT_SECRET = 'test-jwt-secret-of-at-least-32-characters!';
export const TEST_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');

export interface TestEnvironment {
  app: INestApplication;
  config: AppConfig;
  /** The environment variables the app was configured from: give them to a child process (CLI, worker) of the same setup. */
  variables: Record<string, string>;
  /** Every line the app logged, when started with `captureLogs`. */
  logs: string[];
  catalog: TestDatabase;
  platform: TestDatabase;
  s3?: S3TestServer;
  localPath: string;
  superAdminToken: string;
  tenantToken(tenantId: string): string;
  close(): Promise<void>;
}

/**
 * The whole service on real dependencies for one test file: its own catalog and platform databases (template
 * copies), its own queue prefix in Redis, a temporary local storage directory and, when asked, an s3rver bucket
 * configured as provider b2.
 */
export async function startTestEnvironment(options: { s3?: boolean; env?: Record<string, string>; captureLogs?: boolean; unmigratedCatalog?: boolean } = {}): Promise<TestEnvironment> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const catalog = await createTestDatabase(options.unmigratedCatalog ? undefined : 'catalog', 'catalog');
  const platform = await createTestDatabase('platform', 'platform');
  const localPath = await mkdtemp(join(tmpdir(), 'tv-local-'));
  const s3 = options.s3 ? await startS3Server() : undefined;
  const queuePrefix = `tvtest${randomBytes(4).toString('hex')}`;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    DATABASE_URL: catalog.url,
    SOURCE_DATABASE_URL: platform.url,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: queuePrefix,
    JWT_SECRET: TEST_JWT_SECRET,
    BACKUP_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    LOCAL_STORAGE_PATH: localPath,
    STORAGE_PROVIDERS: s3 ? 'local,b2' : 'local',
    JOB_BACKOFF_MS: '200',
    LOG_FORMAT: 'json',
    ...(s3 ? { B2_ENDPOINT_URL: s3.endpoint, B2_BUCKET_NAME: s3.bucket, B2_ACCESS_KEY_ID: s3.accessKeyId, B2_SECRET_ACCESS_KEY: s3.secretAccessKey, B2_REGION: s3.region } : {}),
    ...options.env,
  };
  const config = loadConfig(env);
  const logs: string[] = [];
  const app = await createHttpApp(config, options.captureLogs ? capturingLogger(logs) : false);
  await app.init();

  return {
    app,
    config,
    variables: env,
    logs,
    catalog,
    platform,
    s3,
    localPath,
    superAdminToken: signToken({ sub: 'test-admin', role: 'super_admin' }, TEST_JWT_SECRET),
    tenantToken: (tenantId) => signToken({ sub: `user-of-${tenantId}`, role: 'tenant_user', tenantId }, TEST_JWT_SECRET),
    async close() {
      await app.close();
      await s3?.dispose();
      await rm(localPath, { recursive: true, force: true });
      await deleteRedisKeys(config.redisUrl, `${queuePrefix}:*`);
      await catalog.drop();
      await platform.drop();
    },
  };
}

/** A logger that keeps every line (all levels), so a test can check what the service writes to its logs. */
function capturingLogger(lines: string[]): LoggerService {
  const keep = (level: string) => (message: unknown, ...rest: unknown[]) => void lines.push(`${level} ${[message, ...rest].map((part) => (part instanceof Error ? `${part.message} ${part.stack}` : typeof part === 'string' ? part : JSON.stringify(part))).join(' ')}`);
  return { log: keep('log'), error: keep('error'), warn: keep('warn'), debug: keep('debug'), verbose: keep('verbose'), fatal: keep('fatal') };
}
