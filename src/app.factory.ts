import { INestApplication, INestApplicationContext, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { AppConfig } from './config';
import { setupSwagger } from './swagger';

/** The HTTP application (roles api / all), ready to listen. Used by main.ts and the e2e tests; main.ts handles signals. */
export async function createHttpApp(config: AppConfig, logger?: LoggerService | false): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { logger: logger ?? undefined, abortOnError: false });
  // No framework fingerprint in every answer.
  app.disable('x-powered-by');
  if (config.docsEnabled) setupSwagger(app);
  return app;
}

/** A process without HTTP (roles worker / scheduler). */
export async function createBackgroundApp(config: AppConfig, logger?: LoggerService | false): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: logger ?? undefined, abortOnError: false });
}
