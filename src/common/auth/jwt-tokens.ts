import jwt from 'jsonwebtoken';
import { isUUID } from 'class-validator';
import { Principal, ROLES } from './principal';

export class InvalidTokenError extends Error {}

/** Verifies an HS256 bearer token and returns its principal; any defect is an InvalidTokenError with a safe message. */
export function verifyToken(token: string, secret: string): Principal {
  let claims: jwt.JwtPayload | string;
  try {
    claims = jwt.verify(token, secret, { algorithms: ['HS256'] });
  } catch (error) {
    throw new InvalidTokenError(error instanceof jwt.TokenExpiredError ? 'Token expired' : 'Invalid token');
  }
  if (typeof claims === 'string' || typeof claims.sub !== 'string' || !ROLES.includes(claims.role)) {
    throw new InvalidTokenError('Token lacks a valid sub or role claim');
  }
  if (claims.role === 'tenant_user') {
    if (typeof claims.tenant_id !== 'string' || !isUUID(claims.tenant_id)) throw new InvalidTokenError('Tenant token lacks a valid tenant_id claim');
    return { sub: claims.sub, role: 'tenant_user', tenantId: claims.tenant_id };
  }
  return { sub: claims.sub, role: claims.role };
}

/** Mints a token (CLI `token`, tests). */
export function signToken(principal: Principal, secret: string, expiresIn: jwt.SignOptions['expiresIn'] = '12h'): string {
  const payload: Record<string, unknown> = { sub: principal.sub, role: principal.role };
  if (principal.tenantId) payload.tenant_id = principal.tenantId;
  return jwt.sign(payload, secret, { algorithm: 'HS256', expiresIn });
}
