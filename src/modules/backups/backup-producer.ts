import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Readable } from 'node:stream';
import type { BackupRecord } from './backup.entity';
import { BackupType } from './backup.types';

export type ProgressReporter = (percent: number) => Promise<void> | void;

/** What a producer hands the store step: the sealed bytes as they will be stored, and what the record keeps of them. */
export interface SealedBackup {
  stream: Readable;
  /** Valid once `stream` has ended. */
  stats(): { rawBytes: number; compressedBytes: number; storedBytes: number; sha256: string };
  /** Resolves once everything was read, with what only the end of the input tells (row counts); rejects with the input's error. */
  details: Promise<{ rowCounts: Record<string, number> }>;
  /** How the plaintext was compressed (the envelope's label) and the key id it was sealed with. */
  compression: string;
  keyId: string;
  /** Frees what the producer holds (a snapshot connection, a child process), whatever happened. */
  close(): Promise<void>;
}

/**
 * Port: turns a record into its sealed object. Each context that owns a kind of backup provides one (tenant exports
 * here, the platform dump in disaster recovery, customer exports in customer-self-backup); the store step, attempts,
 * locks and events are Backups' and the same for all.
 */
export interface BackupProducer {
  produce(record: BackupRecord, onProgress: ProgressReporter): Promise<SealedBackup>;
}

/** Where the job of a record of this type lives; none for work that runs inline (PRE_RESTORE snapshots). */
export interface BackupJobLocation {
  queue: Queue;
  jobId(backupId: string): string;
}

/** Who produces which type, and from which queue; contexts register theirs when their module starts. */
@Injectable()
export class BackupProducers {
  private readonly producers = new Map<BackupType, { producer: BackupProducer; jobs?: BackupJobLocation }>();

  register(type: BackupType, producer: BackupProducer, jobs?: BackupJobLocation): void {
    if (this.producers.has(type)) throw new Error(`a producer of ${type} backups is already registered`);
    this.producers.set(type, { producer, jobs });
  }

  for(type: BackupType): BackupProducer {
    const registered = this.producers.get(type);
    if (!registered) throw new Error(`no producer of ${type} backups is registered in this process`);
    return registered.producer;
  }

  /** The queue and job id of a record's job; undefined for inline work or a type this process does not know. */
  jobOf(type: BackupType, backupId: string): { queue: Queue; jobId: string } | undefined {
    const jobs = this.producers.get(type)?.jobs;
    return jobs && { queue: jobs.queue, jobId: jobs.jobId(backupId) };
  }
}
