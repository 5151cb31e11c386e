import 'reflect-metadata';
import { createBackgroundApp, createHttpApp } from './app.factory';
import { ConfigError, configFromEnvironment } from './config';
import { createLogger, redactUrl } from './logging';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function bootstrap(): Promise<void> {
  const config = configFromEnvironment();
  const logger = createLogger(config);
  logger.log(`starting role=${config.role} catalog=${redactUrl(config.databaseUrl)} platform=${redactUrl(config.sourceDatabaseUrl)}${config.demoPlatform ? ' (demo)' : ''} storage=${config.storage.providers.join(',')}`);
  if (config.role === 'api' || config.role === 'all') {
    const app = await createHttpApp(config, logger);
    await app.listen(config.port);
    logger.log(`listening on http://localhost:${config.port} (Swagger UI at /docs)`);
  } else {
    await createBackgroundApp(config, logger);
    logger.log(`${config.role} running`);
  }
}

bootstrap().catch((error: unknown) => {
  // A configuration error is the operator's to fix: print the list of bad variables, no stack trace.
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
