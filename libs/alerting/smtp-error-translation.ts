import { AlertDeliveryError, AlertDeliveryErrorCode, redactSecrets } from './alert-delivery.errors';
import { classifyNetworkCodes, errorCodes } from './transport-error-codes';

/** The fields nodemailer sets on the errors it rejects with. */
interface NodemailerError {
  code?: string;
  originalCode?: string;
  responseCode?: number;
  command?: string;
  message?: string;
}

export interface SmtpErrorContext {
  host: string;
  port: number;
  /** Redacted from every message: the SMTP password (and user), in case a server or a library echoes them. */
  secrets: (string | undefined)[];
}

/** Reply codes that mean the credentials were refused (RFC 4954). */
const AUTH_REPLY_CODES = new Set([530, 534, 535, 538]);

/**
 * SMTP reply codes say it the other way round from HTTP: 4xx is "try again later", 5xx is "never".
 * Without a reply, nodemailer's own code tells whether the server was unreachable, slow or not speaking SMTP.
 */
function classify(err: NodemailerError, codes: string[]): AlertDeliveryErrorCode {
  const reply = err.responseCode;
  if (reply && reply >= 400 && reply < 500) return 'ALERT_DELIVERY.TEMPORARILY_REFUSED';
  if (reply && reply >= 500) return err.code === 'EAUTH' || AUTH_REPLY_CODES.has(reply) ? 'ALERT_DELIVERY.AUTH_FAILED' : 'ALERT_DELIVERY.REJECTED';
  if (err.code === 'EAUTH') return 'ALERT_DELIVERY.AUTH_FAILED';
  const network = classifyNetworkCodes(codes);
  if (network) return network.kind;
  switch (err.code) {
    case 'ECONNECTION':
    case 'ESOCKET':
    case 'EDNS':
      return 'ALERT_DELIVERY.UNREACHABLE';
    case 'ETLS': // wrong port for smtps://, or a certificate that does not verify
    case 'EPROTOCOL': // whatever answered does not speak SMTP
    case 'EENVELOPE':
    case 'EREQUIRETLS':
      return 'ALERT_DELIVERY.MISCONFIGURED';
    case 'EMESSAGE':
      return 'ALERT_DELIVERY.REJECTED';
    default:
      // No reply and no known code: nothing says the server refused, so another attempt may get through.
      return 'ALERT_DELIVERY.UNREACHABLE';
  }
}

/** Maps a nodemailer rejection to an AlertDeliveryError; the message names host and port, never credentials. */
export function translateSmtpError(error: unknown, ctx: SmtpErrorContext): AlertDeliveryError {
  if (error instanceof AlertDeliveryError) return error;
  const err = (error && typeof error === 'object' ? error : { message: String(error) }) as NodemailerError;
  const codes = errorCodes(err);
  const code = classify(err, codes);
  const label = classifyNetworkCodes(codes)?.code ?? err.code ?? 'Error';
  const step = err.command && err.command !== 'CONN' && err.command !== 'API' ? ` at ${err.command}` : '';
  const detail = redactSecrets(`${label}${step}: ${err.message ?? ''}`, ctx.secrets).trim();
  return new AlertDeliveryError(code, `email: sending via ${ctx.host}:${ctx.port} failed: ${detail}`, 'email', err.responseCode || undefined);
}
