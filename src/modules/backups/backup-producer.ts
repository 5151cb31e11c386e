import { Injectable } from '@nestjs/common';
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

/** Who produces which type; contexts register theirs when their module starts. */
@Injectable()
export class BackupProducers {
  private readonly producers = new Map<BackupType, BackupProducer>();

  register(type: BackupType, producer: BackupProducer): void {
    if (this.producers.has(type)) throw new Error(`a producer of ${type} backups is already registered`);
    this.producers.set(type, producer);
  }

  for(type: BackupType): BackupProducer {
    const producer = this.producers.get(type);
    if (!producer) throw new Error(`no producer of ${type} backups is registered in this process`);
    return producer;
  }
}
