export enum BackupType {
  TENANT = 'TENANT',
  PRE_RESTORE = 'PRE_RESTORE',
  CUSTOMER = 'CUSTOMER',
  DISASTER = 'DISASTER',
  /** A physical base backup of the platform cluster: the start of a point-in-time recovery chain (point-in-time context). */
  BASE = 'BASE',
}

/**
 * PENDING → IN_PROGRESS → COMPLETED or FAILED. A COMPLETED backup later becomes DELETED when retention removes its
 * objects (the record stays, for audit), or EXPIRED when a customer export's download window closes.
 */
export enum BackupStatus {
  PENDING = 'PENDING',
  IN_PROGRESS = 'IN_PROGRESS',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
  DELETED = 'DELETED',
  EXPIRED = 'EXPIRED',
}

export enum VerificationStatus {
  UNVERIFIED = 'UNVERIFIED',
  VERIFIED = 'VERIFIED',
  FAILED = 'FAILED',
}

/** State of one copy of a backup at one provider. */
export enum LocationStatus {
  PENDING = 'PENDING',
  STORED = 'STORED',
  FAILED = 'FAILED',
}
