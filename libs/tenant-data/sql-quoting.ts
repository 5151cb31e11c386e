import { InvalidTenantIdError } from './tenant-data.errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Always quotes, so catalog names (mixed case, reserved words, dots) round-trip exactly. */
export function quoteIdent(name: string): string {
  if (name.length === 0 || name.includes('\0')) throw new Error(`Invalid SQL identifier ${JSON.stringify(name)}`);
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteQualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

export function assertTenantId(value: unknown): asserts value is string {
  if (!isTenantId(value)) throw new InvalidTenantIdError(value);
}

/**
 * The tenant id as an SQL literal, for statements that cannot take bind parameters (COPY). Only a validated UUID
 * (hex digits and dashes) gets here, so the quoting cannot be escaped. The literal is left untyped so it adapts to
 * the column it is compared with, whether uuid or text.
 */
export function tenantIdLiteral(tenantId: string): string {
  assertTenantId(tenantId);
  return `'${tenantId}'`;
}
