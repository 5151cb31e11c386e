import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { ClientConfig } from 'pg';
import { PostgresToolError } from './pg-tools.errors';

/**
 * A PostgreSQL connection as explicit fields. A URL is parsed once into these, and exactly these reach both node-pg
 * and libpq (pg_dump, pg_restore): a parameter one side honours and the other ignores (`?dbname=`, `?host=`) can
 * then never make the two talk to different databases, and parameters that make libpq read local files
 * (`sslcert`, `passfile`, `service`) are refused instead of passed on.
 */
export interface PgConnection {
  host: string;
  port: number;
  database: string;
  user?: string;
  password?: string;
  sslmode?: string;
}

/** What an API caller may put in a target URL's query string. */
export const TARGET_URL_PARAMS = ['sslmode'] as const;
/** Operator configuration (SOURCE_DATABASE_URL) is trusted a little further: a CA file for verify-full is legitimate there. */
export const CONFIG_URL_PARAMS = ['sslmode', 'sslrootcert', 'application_name', 'connect_timeout'] as const;
const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

export interface ParsedPgUrl extends PgConnection {
  /** Allowed query parameters other than sslmode, for libpq only (CONFIG_URL_PARAMS). */
  extra: Record<string, string>;
}

/**
 * Parses a postgres:// or postgresql:// URL into fields. Throws PostgresToolError (PG.INVALID_URL) naming the
 * problem, never the URL's password: a password in the query string (`?password=`) is refused like any parameter
 * not in `allowed`, since it could not be redacted reliably everywhere the URL travels.
 */
export function parsePgUrl(url: string, allowed: readonly string[] | 'any' = TARGET_URL_PARAMS): ParsedPgUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('is not a URL');
  }
  if (!['postgres:', 'postgresql:'].includes(parsed.protocol)) throw invalid('must start with postgresql:// or postgres://');
  const host = decode(parsed.hostname).replace(/^\[(.*)\]$/, '$1');
  if (!host) throw invalid('has no host');
  const database = decode(parsed.pathname.slice(1));
  if (!database || database.includes('/')) throw invalid('must name one database (postgresql://user:password@host:port/database)');
  const port = parsed.port ? Number(parsed.port) : 5432;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid('has an invalid port');
  const extra: Record<string, string> = {};
  let sslmode: string | undefined;
  for (const [name, value] of parsed.searchParams) {
    if (allowed !== 'any' && !allowed.includes(name)) throw invalid(`has the query parameter "${name.slice(0, 40)}", which is not allowed (allowed: ${allowed.join(', ') || 'none'})`);
    if (name === 'sslmode') {
      if (!SSL_MODES.includes(value)) throw invalid(`sslmode must be one of ${SSL_MODES.join(', ')}`);
      sslmode = value;
    } else extra[name] = value;
  }
  return { host: host.toLowerCase(), port, database, user: parsed.username ? decode(parsed.username) : undefined, password: parsed.password ? decode(parsed.password) : undefined, sslmode, extra };
}

/** The connection as a URL without its password, fit for logs, records and messages. */
export function describePg(c: PgConnection): string {
  const host = c.host.includes(':') ? `[${c.host}]` : c.host;
  const user = c.user ? `${encodeURIComponent(c.user)}${c.password ? ':***' : ''}@` : '';
  return `postgresql://${user}${host}:${c.port}/${encodeURIComponent(c.database)}${c.sslmode ? `?sslmode=${c.sslmode}` : ''}`;
}

/** node-pg settings from exactly these fields (no connection string, so nothing else is parsed). */
export function pgClientConfig(c: PgConnection, options: { connectionTimeoutMillis?: number; application_name?: string } = {}): ClientConfig {
  const ssl = !c.sslmode || c.sslmode === 'disable' || c.sslmode === 'allow' || c.sslmode === 'prefer' ? undefined : { rejectUnauthorized: c.sslmode === 'verify-ca' || c.sslmode === 'verify-full' };
  return { host: c.host, port: c.port, database: c.database, user: c.user, password: c.password, ssl, ...options };
}

/**
 * libpq's environment for a child process, from exactly these fields: nothing of this process's own environment but
 * PATH/HOME/locale, no `--dbname` URL, and no password file or service file (so libpq reads no other credentials).
 * The password travels in PGPASSWORD, never in the arguments, which every user of the machine can see.
 */
export function libpqEnv(c: ParsedPgUrl | PgConnection): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PGHOST: c.host, PGPORT: String(c.port), PGDATABASE: c.database, PGCONNECT_TIMEOUT: '30', PGPASSFILE: '/dev/null', PGSERVICEFILE: '/dev/null', PGSYSCONFDIR: '/nonexistent' };
  for (const name of ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ']) if (process.env[name] !== undefined) env[name] = process.env[name];
  if (c.user) env.PGUSER = c.user;
  if (c.password) env.PGPASSWORD = c.password;
  if (c.sslmode) env.PGSSLMODE = c.sslmode;
  const extra = 'extra' in c ? c.extra : {};
  if (extra.sslrootcert) env.PGSSLROOTCERT = extra.sslrootcert;
  if (extra.application_name) env.PGAPPNAME = extra.application_name;
  if (extra.connect_timeout) env.PGCONNECT_TIMEOUT = extra.connect_timeout;
  return env;
}

/**
 * Whether two connections reach the same database on the same server: names resolved to addresses, every spelling of
 * this machine (localhost, 127.x, ::1, 0.0.0.0, its own interface addresses) counted as one, ports and database names
 * compared. Used to refuse a restore into TenantVault's catalog or the live platform.
 */
export async function sameDatabase(a: PgConnection, b: PgConnection): Promise<boolean> {
  if (a.port !== b.port || a.database !== b.database) return false;
  const [left, right] = await Promise.all([addressesOf(a.host), addressesOf(b.host)]);
  return [...left].some((address) => right.has(address));
}

/**
 * One name for the server and database a connection reaches, whatever spelling of the host it uses: the lowest of its
 * resolved addresses (this machine's as one), the port and the database. Keys a lock on "this target".
 */
export async function canonicalTarget(c: PgConnection): Promise<string> {
  const addresses = [...(await addressesOf(c.host))].sort();
  return `${addresses[0]}:${c.port}/${c.database}`;
}

const LOCAL = 'this-machine';

async function addressesOf(host: string): Promise<Set<string>> {
  if (host.startsWith('/')) return new Set([`socket:${host}`]);
  const addresses = isIP(host) ? [host] : await lookup(host, { all: true }).then((found) => found.map((f) => f.address), () => [host]);
  return new Set(addresses.map((address) => (isThisMachine(address) ? LOCAL : address.toLowerCase())));
}

function isThisMachine(address: string): boolean {
  const plain = address.replace(/^::ffff:/, '');
  if (plain.startsWith('127.') || plain === '0.0.0.0' || plain === '::1' || plain === '::') return true;
  return Object.values(networkInterfaces()).some((list) => list?.some((i) => i.address.toLowerCase() === plain.toLowerCase()));
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw invalid('has malformed percent-encoding');
  }
}

function invalid(problem: string): PostgresToolError {
  return new PostgresToolError('PG.INVALID_URL', `the database URL ${problem}`);
}
