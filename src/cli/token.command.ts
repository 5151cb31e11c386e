import { signToken } from '../common/auth/jwt-tokens';
import type { Role } from '../common/auth/principal';
import { configFromEnvironment, parseDurationSeconds } from '../config';

export interface TokenOptions {
  role: Role;
  sub: string;
  tenant?: string;
  expires: string;
}

/** `token`: a bearer token signed with JWT_SECRET, bounded by JWT_MAX_TTL, with JWT_ISSUER / JWT_AUDIENCE when set. */
export function tokenCommand(options: TokenOptions): void {
  const config = configFromEnvironment();
  if (options.role === 'tenant_user' && !options.tenant) throw new Error('--tenant is required for a tenant_user token');
  const seconds = parseDurationSeconds(options.expires);
  if (seconds === undefined || seconds < 1) throw new Error('--expires must be a duration such as 3600, 45m, 12h or 7d');
  if (seconds > config.auth.maxTokenTtlSeconds) throw new Error(`--expires ${options.expires} is longer than JWT_MAX_TTL (${config.auth.maxTokenTtlSeconds} s): the service would refuse the token`);
  console.log(signToken({ sub: options.sub, role: options.role, tenantId: options.tenant }, config.jwtSecret, seconds, { issuer: config.auth.issuer, audience: config.auth.audience }));
}
