import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { APP_CONFIG, AppConfig } from '../../config';
import { IS_PUBLIC, REQUIRED_ROLES } from './auth.decorators';
import { InvalidTokenError, verifyToken } from './jwt-tokens';
import { Principal, Role } from './principal';

/** Global guard: every route needs a valid bearer token and one of its required roles, unless marked @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; principal?: Principal }>();
    const header = request.headers.authorization ?? '';
    const [scheme, token] = header.split(' ');
    if (scheme !== 'Bearer' || !token) throw new UnauthorizedException('Missing bearer token');
    try {
      request.principal = verifyToken(token, this.config.jwtSecret, { maxTtlSeconds: this.config.auth.maxTokenTtlSeconds, issuer: this.config.auth.issuer, audience: this.config.auth.audience });
    } catch (error) {
      throw new UnauthorizedException(error instanceof InvalidTokenError ? error.message : 'Invalid token');
    }

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets);
    // A route without @Roles is a programming mistake; deny rather than let any role through.
    if (!roles || !roles.includes(request.principal.role)) throw new ForbiddenException('This route is not available to your role');
    return true;
  }
}
