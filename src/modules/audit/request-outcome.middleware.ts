import { Injectable, NestMiddleware } from '@nestjs/common';
import type { ErrorBody } from '../../common/http-exception.filter';
import type { Principal } from '../../common/auth/principal';
import { AuditOutcome } from './audit-record.entity';
import { AuditService } from './audit.service';
import { AUDITED_META, AuditedMeta } from './audited.interceptor';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface AuditedRequest {
  method: string;
  originalUrl: string;
  params?: Record<string, string>;
  principal?: Principal;
  [AUDITED_META]?: AuditedMeta;
}

interface FinishedResponse {
  statusCode: number;
  locals: { error?: ErrorBody };
  once(event: 'finish', listener: () => void): void;
}

/**
 * Every /api request that ends in an error is audited once its answer is sent: denied (401, 403), refused (other
 * 4xx: bad input, unknown ids, conflicts, limits) or failed (5xx), with the actor when known, the route, the status
 * and the reason. The action is the route's own (`@Audited`) when it has one, else `request.denied` / `.refused` /
 * `.failed`. Path values that are not UUIDs never reach the uuid columns.
 */
@Injectable()
export class RequestOutcomeAudit implements NestMiddleware {
  constructor(private readonly audit: AuditService) {}

  use(request: AuditedRequest, response: FinishedResponse, next: () => void): void {
    response.once('finish', () => {
      const status = response.statusCode;
      if (status < 400) return;
      const outcome = status === 401 || status === 403 ? AuditOutcome.DENIED : status < 500 ? AuditOutcome.REFUSED : AuditOutcome.FAILURE;
      const meta = request[AUDITED_META];
      const params = request.params ?? {};
      const pathId = [params.backupId, params.restoreId, params.id, params.tenantId].find((v) => v !== undefined);
      const tenantId = [params.tenantId, request.principal?.tenantId].find((v) => v !== undefined && UUID.test(v));
      void this.audit.record({
        actor: request.principal?.sub ?? 'anonymous',
        actorRole: request.principal?.role ?? 'none',
        action: meta?.action ?? `request.${outcome === AuditOutcome.DENIED ? 'denied' : outcome === AuditOutcome.REFUSED ? 'refused' : 'failed'}`,
        targetType: meta?.targetType ?? 'route',
        targetId: pathId?.slice(0, 200),
        tenantId: tenantId?.toLowerCase(),
        outcome,
        detail: { method: request.method, route: request.originalUrl.split('?')[0].slice(0, 500), status, reason: response.locals.error?.message, code: response.locals.error?.code },
      });
    });
    next();
  }
}
