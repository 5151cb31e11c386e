import { Global, Injectable, Logger, Module } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/** Facts one bounded context announces and others (alerts) react to, without knowing each other. */
export type DomainEvent =
  | { type: 'RESTORE_FAILURE'; restoreId: string; tenantId: string; reason: string }
  | { type: 'INTEGRITY_FAILURE'; backupId: string; tenantId?: string; provider: string; reason: string };

export type DomainEventType = DomainEvent['type'];
export type DomainEventOf<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;
export type DomainEventListener<T extends DomainEventType> = (event: DomainEventOf<T>) => void | Promise<void>;

/**
 * An in-process event bus: events reach listeners of the same process only (the worker that failed a restore
 * is where its alert is raised). A listener's failure is logged and never fails the emitter.
 */
@Injectable()
export class DomainEvents {
  private readonly logger = new Logger(DomainEvents.name);
  private readonly emitter = new EventEmitter();

  emit(event: DomainEvent): void {
    this.emitter.emit(event.type, event);
  }

  /** Subscribes to one event type; returns the unsubscribe function. */
  on<T extends DomainEventType>(type: T, listener: DomainEventListener<T>): () => void {
    const safe = (event: DomainEventOf<T>) => {
      try {
        void Promise.resolve(listener(event)).catch((error: unknown) => this.reportListenerError(type, error));
      } catch (error) {
        this.reportListenerError(type, error);
      }
    };
    this.emitter.on(type, safe);
    return () => this.emitter.off(type, safe);
  }

  private reportListenerError(type: DomainEventType, error: unknown): void {
    this.logger.error(`a ${type} listener failed: ${(error as Error)?.message ?? String(error)}`);
  }
}

@Global()
@Module({ providers: [DomainEvents], exports: [DomainEvents] })
export class DomainEventsModule {}
