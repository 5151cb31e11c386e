import { Global, Injectable, Logger, Module } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/**
 * The catalogue of facts the contexts announce (docs/EVENTS.md). Each is emitted once the state change it reports is
 * committed to the catalog, so a listener that reads the catalog sees it. Listeners (audit, alerts) react; emitters
 * never know who listens.
 */
export type BackupKind = 'TENANT' | 'PRE_RESTORE' | 'CUSTOMER' | 'DISASTER' | 'BASE';

export interface BackupFacts {
  backupId: string;
  backupType: BackupKind;
  /** Absent for platform-wide backups (DISASTER, BASE). */
  tenantId?: string;
  initiatedBy: string;
}

export type DomainEvent =
  /** A backup of any type completed; `missingProviders` lists the copies that did not store (redundancy degraded). */
  | (BackupFacts & {
      type: 'backup.completed';
      rawBytes: number;
      storedBytes: number;
      durationMs: number;
      storedProviders: string[];
      missingProviders: string[];
    })
  /** A backup failed for good: its last attempt failed (or it was cancelled or swept). Nothing of it stays stored. */
  | (BackupFacts & { type: 'backup.failed'; reason: string; durationMs: number })
  /** A backup completed without a copy at every provider; replication will try to fill the gap. */
  | (BackupFacts & { type: 'backup.redundancy-degraded'; missing: { provider: string; reason: string }[] })
  /** Replication copied a backup to a provider that had missed it. */
  | (BackupFacts & { type: 'replication.completed'; provider: string })
  /** Replication stopped trying: the backup stays without a copy at `provider`. */
  | (BackupFacts & { type: 'replication.given-up'; provider: string; reason: string })
  /** One tenant of a restore operation was restored. */
  | { type: 'restore.completed'; restoreId: string; tenantId: string; backupId: string; preRestoreBackupId?: string; rowsRestored: number; initiatedBy: string }
  /** One tenant of a restore operation was not restored; the tenant is as it was. */
  | { type: 'restore.failed'; restoreId: string; tenantId: string; backupId?: string; reason: string; initiatedBy: string }
  | { type: 'disaster-restore.completed'; restoreId: string; backupId: string; target: string; dumpBytes: number; initiatedBy: string }
  /** `target` has no credentials. */
  | { type: 'disaster-restore.failed'; restoreId: string; backupId: string; target: string; reason: string; initiatedBy: string }
  /** A stored copy failed a check (sha256, authentication, archive content): the bytes are damaged or not ours. */
  | { type: 'integrity.failure'; backupId: string; backupType?: BackupKind; tenantId?: string; provider: string; reason: string }
  /** A storage provider could not be reached while working with it. */
  | { type: 'provider.unreachable'; provider: string; operation: string; reason: string }
  /** A test restore brought the backup into a scratch database and what it restored matched the archive. `initiatedBy`: who started the test restore. */
  | { type: 'test-restore.completed'; testRestoreId: string; backupId: string; backupType: BackupKind; tenantId?: string; durationMs: number; rowsRestored: number; tables: number; initiatedBy: string }
  /** A test restore failed: the backup could not be restored, or what was restored did not match; it may not restore when needed. */
  | { type: 'test-restore.failed'; testRestoreId: string; backupId: string; backupType: BackupKind; tenantId?: string; durationMs: number; reason: string; initiatedBy: string };

export type DomainEventType = DomainEvent['type'];
export type DomainEventOf<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;
export type DomainEventListener<T extends DomainEventType> = (event: DomainEventOf<T>) => void | Promise<void>;

/**
 * An in-process event bus: events reach listeners of the same process (the worker that failed a backup is where its
 * alert is raised; every role runs the listeners). A listener's failure is logged and never fails the emitter.
 */
@Injectable()
export class DomainEvents {
  private readonly logger = new Logger(DomainEvents.name);
  private readonly emitter = new EventEmitter();
  private readonly pending = new Set<Promise<unknown>>();

  constructor() {
    this.emitter.setMaxListeners(50);
  }

  emit(event: DomainEvent): void {
    this.emitter.emit(event.type, event);
  }

  /** Subscribes to one event type; returns the unsubscribe function. */
  on<T extends DomainEventType>(type: T, listener: DomainEventListener<T>): () => void {
    const safe = (event: DomainEventOf<T>) => {
      try {
        const running = Promise.resolve(listener(event)).catch((error: unknown) => this.reportListenerError(type, error));
        this.pending.add(running);
        void running.finally(() => this.pending.delete(running));
      } catch (error) {
        this.reportListenerError(type, error);
      }
    };
    this.emitter.on(type, safe);
    return () => this.emitter.off(type, safe);
  }

  /** Resolves once every listener started so far has finished (shutdown, tests). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private reportListenerError(type: DomainEventType, error: unknown): void {
    this.logger.error(`a ${type} listener failed: ${(error as Error)?.message ?? String(error)}`);
  }
}

@Global()
@Module({ providers: [DomainEvents], exports: [DomainEvents] })
export class DomainEventsModule {}
