import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Global, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditEventsListener } from './audit-events.listener';
import { AuditRecord } from './audit-record.entity';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';
import { AuditedInterceptor } from './audited.interceptor';
import { RequestOutcomeAudit } from './request-outcome.middleware';

@Global()
@Module({
  imports: [MikroOrmModule.forFeature([AuditRecord])],
  controllers: [AuditController],
  providers: [AuditService, AuditEventsListener, { provide: APP_INTERCEPTOR, useClass: AuditedInterceptor }],
  exports: [AuditService],
})
export class AuditModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestOutcomeAudit).forRoutes({ path: 'api/*path', method: RequestMethod.ALL });
  }
}
