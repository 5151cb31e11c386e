import { AlertDeliveryError } from './alert-delivery.errors';

export interface SmtpSettings {
  host: string;
  port: number;
  /** true for smtps:// (TLS from the first byte); smtp:// upgrades with STARTTLS when the server offers it. */
  secure: boolean;
  auth?: { user: string; pass: string };
}

function misconfigured(message: string): AlertDeliveryError {
  return new AlertDeliveryError('ALERT_DELIVERY.MISCONFIGURED', `email: ${message}`, 'email');
}

/**
 * Reads SMTP_URL: `smtp://user:password@host:587` or `smtps://user:password@host:465`; user and password are
 * URL-encoded (a password with @ or / in it is written %40, %2F). Without a port, 587 for smtp and 465 for smtps.
 * Messages never repeat the URL: it holds the password.
 */
export function parseSmtpUrl(smtpUrl: string): SmtpSettings {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    throw misconfigured('SMTP_URL is not a valid URL (expected smtp://user:password@host:port or smtps://…)');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw misconfigured('SMTP_URL must start with smtp:// or smtps://'); // what came before is not shown: it may be a user:password
  }
  if (!url.hostname) throw misconfigured('SMTP_URL has no host');
  // Nothing here would read them, and a silently ignored tls.rejectUnauthorized=false is worse than a refusal.
  const params = [...url.searchParams.keys()];
  if (params.length > 0) throw misconfigured(`SMTP_URL: query parameters are not supported (found ${params.join(', ')})`);
  const secure = url.protocol === 'smtps:';
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  if (pass && !user) throw misconfigured('SMTP_URL has a password but no user name');
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'), // IPv6 literals come bracketed
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    auth: user ? { user, pass } : undefined,
  };
}

/** A bare address or `Display Name <address>`; enough to catch typos, the SMTP server judges the rest. */
const ADDRESS = /^(?:[^<>@,;]*<\s*[^\s<>@,;"]+@[^\s<>@,;"]+\s*>|[^\s<>@,;"]+@[^\s<>@,;"]+)$/;

/** Reads ALERT_EMAIL_TO: a comma-separated list of addresses. */
export function parseRecipients(list: string | readonly string[]): string[] {
  const entries = (typeof list === 'string' ? list.split(',') : list).map((s) => s.trim()).filter((s) => s !== '');
  if (entries.length === 0) throw misconfigured('ALERT_EMAIL_TO lists no recipient');
  const bad = entries.filter((entry) => !ADDRESS.test(entry));
  if (bad.length > 0) throw misconfigured(`ALERT_EMAIL_TO has invalid address(es): ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
  return entries;
}

/** The address part of `Name <address>` or a bare address. */
export function addressOf(entry: string): string {
  return /<\s*([^>]+?)\s*>/.exec(entry)?.[1] ?? entry.trim();
}
