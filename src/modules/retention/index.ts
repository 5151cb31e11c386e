/** Retention context: how long backups are kept, and verification of what is kept. */
export { RetentionModule } from './retention.module';
export { BackupVerifier } from './backup-verifier.service';
export type { CopyVerification } from './backup-verifier.service';
export { VerificationService } from './verification.service';
