/** Whose backup this is: the context is bound into the key derivation, so one tenant's object never opens as another's. */
export type KeyContext = { kind: 'tenant'; tenantId: string } | { kind: 'platform' };

const TENANT_PREFIX = 'tenant:';

/** The label written into the header and into the HKDF info / wrap AAD: "tenant:<id>" or "platform". */
export function contextLabel(ctx: KeyContext): string {
  if (ctx.kind === 'platform') return 'platform';
  if (ctx.kind === 'tenant') {
    if (typeof ctx.tenantId !== 'string' || ctx.tenantId.length === 0) {
      throw new TypeError('KeyContext tenantId must be a non-empty string');
    }
    return TENANT_PREFIX + ctx.tenantId;
  }
  throw new TypeError('KeyContext kind must be "tenant" or "platform"');
}

/** Whether a header's context field is one we could have written. */
export function isValidContextLabel(label: unknown): label is string {
  return typeof label === 'string' && (label === 'platform' || (label.startsWith(TENANT_PREFIX) && label.length > TENANT_PREFIX.length));
}
