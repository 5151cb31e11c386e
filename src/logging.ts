import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { AppConfig } from './config';

const LEVELS: Record<AppConfig['logLevel'], LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  log: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/**
 * JSON lines in production (LOG_FORMAT=json), readable text locally; colours only on a terminal, so files and log
 * collectors get no escape codes. Configuration values are never logged.
 */
export function createLogger(config: Pick<AppConfig, 'logFormat' | 'logLevel'>): ConsoleLogger {
  return new ConsoleLogger('TenantVault', { json: config.logFormat === 'json', colors: config.logFormat !== 'json' && Boolean(process.stdout.isTTY), timestamp: true, logLevels: LEVELS[config.logLevel] });
}

/** A connection URL fit for a log line: the password is replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<invalid url>';
  }
}
