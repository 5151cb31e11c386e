import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { catchError, from, mergeMap, Observable, throwError } from 'rxjs';
import type { Principal } from '../../common/auth/principal';
import { AuditOutcome } from './audit-record.entity';
import { AuditService } from './audit.service';

const AUDITED = 'tenantvault:audited';
interface AuditedMeta {
  action: string;
  targetType: string;
}

/** Marks a route that changes something: the interceptor writes an audit record of its outcome. */
export const Audited = (action: string, targetType: string) => SetMetadata(AUDITED, { action, targetType } satisfies AuditedMeta);

/**
 * Records who called an @Audited route, on what, and whether it succeeded. The target id is the created or
 * touched record's `id` from the response, else a path id; the tenant comes from the path, body or token.
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
    const request = context.switchToHttp().getRequest<{ principal?: Principal; params: Record<string, string>; body?: Record<string, unknown>; query: Record<string, unknown> }>();
    const principal = request.principal;
    const pathId = request.params.backupId ?? request.params.restoreId ?? request.params.id ?? request.params.tenantId;
    const tenantId = request.params.tenantId ?? (typeof request.body?.tenantId === 'string' ? request.body.tenantId : undefined) ?? principal?.tenantId;
    const write = (outcome: AuditOutcome, targetId: string | undefined, detail: Record<string, unknown>) =>
      this.audit.record({ actor: principal?.sub ?? 'anonymous', actorRole: principal?.role ?? 'none', action: meta.action, targetType: meta.targetType, targetId, tenantId, outcome, detail });

    return next.handle().pipe(
      mergeMap((result) => {
        const id = (result as { id?: unknown } | undefined)?.id;
        return from(write(AuditOutcome.SUCCESS, typeof id === 'string' ? id : pathId, { query: request.query })).pipe(mergeMap(() => [result]));
      }),
      catchError((error: Error) => from(write(AuditOutcome.FAILURE, pathId, { error: error.message })).pipe(mergeMap(() => throwError(() => error)))),
    );
  }
}
