/** Audit context: who did what, when, with what outcome. */
export { AuditModule } from './audit.module';
export { AuditService } from './audit.service';
export type { AuditEntry } from './audit.service';
export { AuditOutcome, AuditRecord } from './audit-record.entity';
export { Audited } from './audited.interceptor';
