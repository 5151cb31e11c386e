import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { from, mergeMap, Observable } from 'rxjs';
import type { Principal } from '../../common/auth/principal';
import { AuditOutcome } from './audit-record.entity';
import { AuditService } from './audit.service';

const AUDITED = 'tenantvault:audited';
export interface AuditedMeta {
  action: string;
  targetType: string;
}
/** Where the route's audit action is left on the request, for the audit of a refused request (request-outcome.middleware.ts). */
export const AUDITED_META = Symbol('tenantvault:auditedMeta');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Marks a route that changes something: the interceptor writes an audit record of its outcome. */
export const Audited = (action: string, targetType: string) => SetMetadata(AUDITED, { action, targetType } satisfies AuditedMeta);

/**
 * Records who called an @Audited route and on what, when it succeeded (a refused or failed call is audited by
 * RequestOutcomeAudit, which also sees what guards and pipes refuse). The target id is the created or touched
 * record's `id` from the response, else a path id; the tenant comes from the path, body or token.
 */
@Injectable()
export class AuditedInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const meta = this.reflector.get<AuditedMeta | undefined>(AUDITED, context.getHandler());
    if (!meta) return next.handle();
    const request = context.switchToHttp().getRequest<{ principal?: Principal; params: Record<string, string>; body?: Record<string, unknown>; query: Record<string, unknown>; [AUDITED_META]?: AuditedMeta }>();
    request[AUDITED_META] = meta;
    const principal = request.principal;
    const pathId = request.params.backupId ?? request.params.restoreId ?? request.params.id ?? request.params.tenantId;
    const tenantId = [request.params.tenantId, request.body?.tenantId, principal?.tenantId].find((v): v is string => typeof v === 'string' && UUID.test(v));
    const write = (outcome: AuditOutcome, targetId: string | undefined, detail: Record<string, unknown>) =>
      this.audit.record({ actor: principal?.sub ?? 'anonymous', actorRole: principal?.role ?? 'none', action: meta.action, targetType: meta.targetType, targetId, tenantId, outcome, detail });

    return next.handle().pipe(
      mergeMap((result) => {
        const id = (result as { id?: unknown } | undefined)?.id;
        return from(write(AuditOutcome.SUCCESS, typeof id === 'string' ? id : pathId, { query: request.query })).pipe(mergeMap(() => [result]));
      }),
    );
  }
}
