import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { AuditOutcome, AuditRecord } from './audit-record.entity';

export interface AuditEntry {
  actor: string;
  actorRole: string;
  action: string;
  targetType: string;
  targetId?: string;
  tenantId?: string;
  outcome: AuditOutcome;
  detail?: Record<string, unknown>;
}

@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(private readonly em: EntityManager) {}

  /** Written in its own unit of work so that a failed operation is recorded even when its transaction rolled back. */
  async record(entry: AuditEntry): Promise<void> {
    const em = this.em.fork();
    em.create(AuditRecord, { ...entry, at: new Date() });
    try {
      await em.flush();
    } catch (error) {
      // Losing an audit line must not turn a successful operation into a failed one; it is logged instead.
      this.logger.error(`audit write failed for ${entry.action}: ${(error as Error).message}`);
    }
  }

  findPage(filter: { tenantId?: string; action?: string }, limit: number, offset: number): Promise<[AuditRecord[], number]> {
    const where = { ...(filter.tenantId ? { tenantId: filter.tenantId } : {}), ...(filter.action ? { action: filter.action } : {}) };
    return this.em.fork().findAndCount(AuditRecord, where, { orderBy: { at: 'desc', id: 'desc' }, limit, offset });
  }
}
