/** The KeyRing built from BACKUP_ENCRYPTION_KEY and BACKUP_ENCRYPTION_KEYS_RETIRED. */
export const KEY_RING = Symbol('KEY_RING');
