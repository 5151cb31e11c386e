export type Role = 'super_admin' | 'tenant_user';
export const ROLES: readonly Role[] = ['super_admin', 'tenant_user'];

/** Who is calling, taken from a verified JWT. */
export interface Principal {
  sub: string;
  role: Role;
  /** Only for tenant users: the one tenant they may act on. */
  tenantId?: string;
}
