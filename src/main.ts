import 'reflect-metadata';
import { existsSync } from 'node:fs';
import type { INestApplicationContext } from '@nestjs/common';
import { AppConfig, ConfigError, configFromEnvironment } from './config';
import { createLogger, redactUrl } from './logging';
import { AggregateStartupError, checkDependencies } from './startup-checks';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function bootstrap(): Promise<void> {
  // A .env in the working directory is read (variables already set win), as .env.example suggests.
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = configFromEnvironment();
  const logger = createLogger(config);
  logger.log(`starting role=${config.role} catalog=${redactUrl(config.databaseUrl)} platform=${redactUrl(config.sourceDatabaseUrl)}${config.demoPlatform ? ' (demo)' : ''} storage=${config.storage.providers.join(',')}`);
  await checkDependencies(config);
  // The application is loaded only once its dependencies answer: a wrong URL is reported in a moment, not after it.
  const [{ createBackgroundApp, createHttpApp }, { installProcessGuards }] = await Promise.all([import('./app.factory'), import('./process-guards')]);
  installProcessGuards(logger);
  let app: INestApplicationContext;
  if (config.role === 'api' || config.role === 'all') {
    const http = await createHttpApp(config, logger);
    await http.listen(config.port);
    app = http;
    logger.log(`listening on http://localhost:${config.port}${config.docsEnabled ? ' (Swagger UI at /docs)' : ''}`);
  } else {
    app = await createBackgroundApp(config, logger);
    logger.log(`${config.role} running`);
  }
  await stopGracefullyOnSignals(app, config, logger);
}

/**
 * SIGTERM / SIGINT: stop taking jobs and requests, let running jobs finish for up to SHUTDOWN_TIMEOUT_SECONDS, then
 * exit. Jobs still running then are handed back: their locks lapse and another worker takes them over.
 */
async function stopGracefullyOnSignals(app: INestApplicationContext, config: AppConfig, logger: ReturnType<typeof createLogger>): Promise<void> {
  const { QueueWorker } = await import('./common/queue-worker');
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received: shutting down; ${QueueWorker.runningCount()} running job(s) get up to ${config.shutdownTimeoutMs / 1000} s to finish`);
    const timedOut = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), config.shutdownTimeoutMs).unref());
    void Promise.race([app.close().then(() => 'closed' as const), timedOut]).then(
      (how) => {
        if (how === 'timeout') logger.warn(`shutdown timeout reached with ${QueueWorker.runningCount()} job(s) still running: they are handed back to the queue`);
        logger.log('stopped');
        process.exit(0);
      },
      (error: Error) => {
        logger.error(`shutdown failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

bootstrap().catch((error: unknown) => {
  // What an operator can act on, in one line per problem: which variable, which host, why. Stack traces only on demand.
  const actionable = error instanceof ConfigError || error instanceof AggregateStartupError;
  console.error(actionable ? (error as Error).message : `startup failed: ${(error as Error)?.message ?? String(error)}`);
  if (process.env.LOG_LEVEL === 'debug' && error instanceof Error) console.error(error.stack);
  process.exit(1);
});
