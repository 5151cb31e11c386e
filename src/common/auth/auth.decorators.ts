import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { Principal, Role } from './principal';

export const IS_PUBLIC = 'tenantvault:isPublic';
export const REQUIRED_ROLES = 'tenantvault:roles';

/** Route reachable without a token (health, metrics, docs). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
/** Route (or controller) limited to these roles. */
export const Roles = (...roles: Role[]) => SetMetadata(REQUIRED_ROLES, roles);

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  return ctx.switchToHttp().getRequest<{ principal: Principal }>().principal;
});
