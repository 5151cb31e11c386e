export enum BackupType {
  TENANT = 'TENANT',
  PRE_RESTORE = 'PRE_RESTORE',
  CUSTOMER = 'CUSTOMER',
  DISASTER = 'DISASTER',
}

export enum BackupStatus {
  PENDING = 'PENDING',
  IN_PROGRESS = 'IN_PROGRESS',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
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
