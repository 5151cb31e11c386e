import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { DomainError, ErrorKind } from './domain-error';

const STATUS_BY_KIND: Record<ErrorKind, number> = {
  invalid: HttpStatus.BAD_REQUEST,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  forbidden: HttpStatus.FORBIDDEN,
  rate_limited: HttpStatus.TOO_MANY_REQUESTS,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
  internal: HttpStatus.INTERNAL_SERVER_ERROR,
  gone: HttpStatus.GONE,
};

/** Implemented by domain errors that tell the client when to try again; sent as `Retry-After` (seconds). */
export interface RetryAfter {
  retryAfterSeconds: number;
}

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  code?: string;
}

/** The single place errors become HTTP responses: `{statusCode, error, message, code?}` (SPEC §6). */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<{ status(code: number): { json(body: unknown): void }; setHeader(name: string, value: string): void; locals: Record<string, unknown> }>();
    const body = this.toBody(exception);
    // A domain error that knows when trying again makes sense (a daily limit) says so in the standard header.
    const retryAfter = exception instanceof DomainError ? (exception as Partial<RetryAfter>).retryAfterSeconds : undefined;
    if (typeof retryAfter === 'number') response.setHeader('Retry-After', String(Math.max(0, Math.ceil(retryAfter))));
    if (body.statusCode >= 500) this.logger.error(exception instanceof Error ? exception.stack ?? exception.message : String(exception));
    // For the audit of refused and failed requests, which reads it once the response is sent.
    response.locals.error = body;
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof DomainError) {
      const statusCode = STATUS_BY_KIND[exception.kind];
      return { statusCode, error: reason(statusCode), message: exception.message, code: exception.code };
    }
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const payload = exception.getResponse();
      const message = typeof payload === 'string' ? payload : (payload as { message?: string | string[] }).message;
      return { statusCode, error: reason(statusCode), message: Array.isArray(message) ? message.join('; ') : message ?? exception.message };
    }
    // Malformed JSON bodies surface from the body parser as errors carrying a 4xx status.
    const status = (exception as { status?: number; statusCode?: number })?.status ?? (exception as { statusCode?: number })?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return { statusCode: status, error: reason(status), message: status === 400 ? 'Malformed request body' : 'Request rejected' };
    }
    return { statusCode: 500, error: reason(500), message: 'Internal server error' };
  }
}

function reason(status: number): string {
  const name = HttpStatus[status];
  return name ? name.toLowerCase().split('_').map((w) => w[0].toUpperCase() + w.slice(1)).join(' ') : 'Error';
}
