import { AlertDeliveryErrorCode } from './alert-delivery.errors';

/** Node, undici and nodemailer signals that the far end could not be reached at all. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
/** Certificate and handshake failures: someone has to fix a certificate or a URL; retrying cannot. */
const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|HOSTNAME_MISMATCH$)/;

interface CodedError {
  code?: unknown;
  originalCode?: unknown;
  cause?: unknown;
  errors?: unknown[];
}

/**
 * Every error code found on an error and what it wraps: nodemailer keeps the system code as `originalCode`,
 * fetch puts it on `cause`, and a happy-eyeballs connect reports one AggregateError for all addresses tried.
 */
export function errorCodes(error: unknown, depth = 0): string[] {
  if (!error || typeof error !== 'object' || depth > 4) return [];
  const err = error as CodedError;
  const own = [err.originalCode, err.code].filter((c): c is string => typeof c === 'string');
  const nested = [err.cause, ...(Array.isArray(err.errors) ? err.errors : [])].flatMap((inner) => errorCodes(inner, depth + 1));
  return [...own, ...nested];
}

/** The first code that says something about the network, classified; undefined when none does. */
export function classifyNetworkCodes(codes: readonly string[]): { code: string; kind: AlertDeliveryErrorCode } | undefined {
  for (const code of codes) {
    if (TIMEOUT_CODES.has(code)) return { code, kind: 'ALERT_DELIVERY.TIMEOUT' };
    if (UNREACHABLE_CODES.has(code)) return { code, kind: 'ALERT_DELIVERY.UNREACHABLE' };
    if (TLS_CODE.test(code)) return { code, kind: 'ALERT_DELIVERY.MISCONFIGURED' };
  }
  return undefined;
}
