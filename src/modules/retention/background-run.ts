import { Enum, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/** PENDING (queued) → RUNNING → COMPLETED or FAILED. */
export enum RunStatus {
  PENDING = 'PENDING',
  RUNNING = 'RUNNING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
}

/**
 * What every long piece of work of this context keeps in the catalog, so that a client polls it (SPEC §6: 202, then
 * status and progress) and the sweep can end one whose worker died: status, progress, who asked, when, a heartbeat.
 */
export abstract class BackgroundRun {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Enum({ items: () => RunStatus })
  status: RunStatus = RunStatus.PENDING;

  @Property({ type: 'integer' })
  progress = 0;

  /** A token subject, or `scheduler` for the crons. */
  @Property({ type: 'text' })
  initiatedBy!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  startedAt?: Date;

  /** Renewed while the run works: a RUNNING run whose heartbeat is older than the stall limit has lost its worker. */
  @Property({ type: 'timestamptz', nullable: true })
  heartbeatAt?: Date;

  @Property({ type: 'timestamptz', nullable: true })
  completedAt?: Date;

  @Property({ type: 'text', nullable: true })
  errorMessage?: string;

  get isFinished(): boolean {
    return this.status === RunStatus.COMPLETED || this.status === RunStatus.FAILED;
  }

  /** A retried job starts its run over. */
  start(): void {
    if (this.isFinished) throw new Error(`run ${this.id} is already ${this.status}`);
    this.status = RunStatus.RUNNING;
    this.startedAt = new Date();
    this.heartbeatAt = this.startedAt;
    this.progress = 0;
    this.errorMessage = undefined;
  }

  /** Share done so far, 0–99 until the run completes. */
  advance(done: number, total: number): void {
    this.progress = total > 0 ? Math.min(99, Math.floor((done / total) * 100)) : 0;
    this.heartbeatAt = new Date();
  }

  complete(): void {
    this.status = RunStatus.COMPLETED;
    this.progress = 100;
    this.completedAt = new Date();
  }

  fail(reason: string): void {
    this.status = RunStatus.FAILED;
    this.errorMessage = reason;
    this.completedAt = new Date();
  }
}
