import jwt from 'jsonwebtoken';
import { isUUID } from 'class-validator';
import { Principal, ROLES } from './principal';

export class InvalidTokenError extends Error {}

export interface TokenRules {
  /** A token's `exp` may lie at most this far after its `iat` (or after now, without `iat`). */
  maxTtlSeconds: number;
  issuer?: string;
  audience?: string;
}

/**
 * Verifies an HS256 bearer token and returns its principal; any defect is an InvalidTokenError with a safe message.
 * A token must expire (`exp`), within `maxTtlSeconds`: a leaked token without an end would be valid forever.
 */
export function verifyToken(token: string, secret: string, rules: TokenRules): Principal {
  let claims: jwt.JwtPayload | string;
  try {
    claims = jwt.verify(token, secret, { algorithms: ['HS256'], issuer: rules.issuer, audience: rules.audience });
  } catch (error) {
    if (error instanceof jwt.TokenExpiredError) throw new InvalidTokenError('Token expired');
    if (error instanceof jwt.JsonWebTokenError && /audience|issuer/.test(error.message)) throw new InvalidTokenError(`Token ${/audience/.test(error.message) ? 'audience' : 'issuer'} is not accepted`);
    throw new InvalidTokenError('Invalid token');
  }
  if (typeof claims === 'string' || typeof claims.sub !== 'string' || !ROLES.includes(claims.role)) {
    throw new InvalidTokenError('Token lacks a valid sub or role claim');
  }
  if (typeof claims.exp !== 'number') throw new InvalidTokenError('Token has no exp claim: tokens must expire');
  const issuedAt = typeof claims.iat === 'number' ? claims.iat : Math.floor(Date.now() / 1000);
  if (claims.exp - issuedAt > rules.maxTtlSeconds) throw new InvalidTokenError(`Token lifetime exceeds the maximum of ${rules.maxTtlSeconds} s (JWT_MAX_TTL)`);
  if (claims.role === 'tenant_user') {
    if (typeof claims.tenant_id !== 'string' || !isUUID(claims.tenant_id)) throw new InvalidTokenError('Tenant token lacks a valid tenant_id claim');
    return { sub: claims.sub, role: 'tenant_user', tenantId: claims.tenant_id.toLowerCase() };
  }
  return { sub: claims.sub, role: claims.role };
}

/** Mints a token (CLI `token`, tests). */
export function signToken(principal: Principal, secret: string, expiresIn: jwt.SignOptions['expiresIn'] = '12h', claims: { issuer?: string; audience?: string } = {}): string {
  const payload: Record<string, unknown> = { sub: principal.sub, role: principal.role };
  if (principal.tenantId) payload.tenant_id = principal.tenantId;
  return jwt.sign(payload, secret, { algorithm: 'HS256', expiresIn, ...(claims.issuer ? { issuer: claims.issuer } : {}), ...(claims.audience ? { audience: claims.audience } : {}) });
}
