import { ConsoleLogger } from '@nestjs/common';
import { AppConfig } from './config';

/** JSON lines in production (LOG_FORMAT=json), readable text locally. Configuration values are never logged. */
export function createLogger(config: Pick<AppConfig, 'logFormat'>): ConsoleLogger {
  return new ConsoleLogger('TenantVault', { json: config.logFormat === 'json', colors: config.logFormat !== 'json', timestamp: true });
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
