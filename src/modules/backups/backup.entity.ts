import { BigIntType, Cascade, Collection, Entity, EntityRepositoryType, Enum, Index, OneToMany, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { ProviderName } from '../../../libs/storage/storage.port';
import { BackupLocation } from './backup-location.entity';
import type { BackupSidecar } from './backup-sidecar';
import { BackupRepository } from './backup.repository';
import { BackupStatus, BackupType, LocationStatus, VerificationStatus } from './backup.types';

export interface BackupResult {
  rawBytes: number;
  compressedBytes: number;
  storedBytes: number;
  sha256: string;
  rowCounts: Record<string, number>;
  keyId: string;
  compression: string;
}

/** A backup in the catalog (SPEC §3): what was backed up, where its copies are, and how it went. */
@Entity({ tableName: 'backup_records', repository: () => BackupRepository })
@Index({ properties: ['tenantId', 'createdAt'] })
export class BackupRecord {
  [EntityRepositoryType]?: BackupRepository;

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Enum({ items: () => BackupType })
  type!: BackupType;

  @Property({ type: 'uuid', nullable: true })
  tenantId?: string;

  @Enum({ items: () => BackupStatus })
  status: BackupStatus = BackupStatus.PENDING;

  @Enum({ items: () => VerificationStatus })
  verificationStatus: VerificationStatus = VerificationStatus.UNVERIFIED;

  @Property({ type: 'integer' })
  progress = 0;

  @OneToMany(() => BackupLocation, (l) => l.backup, { cascade: [Cascade.PERSIST, Cascade.REMOVE], orderBy: { provider: 'asc' } })
  locations = new Collection<BackupLocation>(this);

  @Property({ type: new BigIntType('number'), nullable: true })
  rawBytes?: number;

  @Property({ type: new BigIntType('number'), nullable: true })
  compressedBytes?: number;

  @Property({ type: new BigIntType('number'), nullable: true })
  storedBytes?: number;

  @Property({ type: 'double', nullable: true })
  compressionRatio?: number;

  @Property({ type: 'text', nullable: true })
  sha256?: string;

  @Property({ type: 'text' })
  compression = 'gzip';

  @Property({ type: 'text', nullable: true })
  keyId?: string;

  @Property({ type: 'json', nullable: true })
  rowCounts?: Record<string, number>;

  @Property({ type: 'integer', nullable: true })
  durationMs?: number;

  @Property({ type: 'text', nullable: true })
  errorMessage?: string;

  /** Who asked: a token subject, or `scheduler` / `restore:<id>` for work the service started itself. */
  @Property({ type: 'text' })
  initiatedBy!: string;

  /** Deduplicates scheduled runs across replicas (e.g. `daily:2026-11-23:<tenantId>`). */
  @Property({ type: 'text', nullable: true, unique: true })
  idempotencyKey?: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  startedAt?: Date;

  /** Renewed while an attempt runs: the sweep ends a record whose work stopped without settling it. */
  @Property({ type: 'timestamptz', nullable: true })
  heartbeatAt?: Date;

  /** An operator asked to stop it; the worker running it sees this at its next heartbeat. */
  @Property({ type: 'timestamptz', nullable: true })
  cancelRequestedAt?: Date;

  @Property({ type: 'text', nullable: true })
  cancelRequestedBy?: string;

  @Property({ type: 'timestamptz', nullable: true })
  completedAt?: Date;

  @Property({ type: 'timestamptz', nullable: true })
  expiresAt?: Date;

  static create(input: { type: BackupType; tenantId?: string; initiatedBy: string; idempotencyKey?: string; objectKey: (record: BackupRecord) => string; providers: ProviderName[] }): BackupRecord {
    const record = new BackupRecord();
    Object.assign(record, { type: input.type, tenantId: input.tenantId, initiatedBy: input.initiatedBy, idempotencyKey: input.idempotencyKey });
    const key = input.objectKey(record);
    for (const provider of input.providers) {
      const location = new BackupLocation();
      Object.assign(location, { backup: record, provider, key });
      record.locations.add(location);
    }
    return record;
  }

  /**
   * The record of a backup found in a bucket by its sidecar (catalog rebuild): COMPLETED as the sidecar says, with
   * the copy at `provider` STORED. The sidecar has been checked against its key and its object by the scan.
   */
  static fromSidecar(sidecar: BackupSidecar, provider: ProviderName): BackupRecord {
    const record = new BackupRecord();
    const createdAt = new Date(sidecar.createdAt);
    const completedAt = new Date(sidecar.completedAt);
    Object.assign(record, {
      id: sidecar.backupId.toLowerCase(),
      type: sidecar.type,
      tenantId: sidecar.tenantId?.toLowerCase() ?? undefined,
      status: BackupStatus.COMPLETED,
      progress: 100,
      rawBytes: sidecar.rawBytes,
      compressedBytes: sidecar.compressedBytes,
      storedBytes: sidecar.storedBytes,
      compressionRatio: sidecar.rawBytes > 0 ? sidecar.compressedBytes / sidecar.rawBytes : 1,
      sha256: sidecar.sha256,
      compression: sidecar.compression,
      keyId: sidecar.encryption.keyId,
      rowCounts: sidecar.rowCounts ?? undefined,
      initiatedBy: sidecar.initiatedBy,
      createdAt,
      completedAt,
      durationMs: completedAt.getTime() - createdAt.getTime(),
      expiresAt: sidecar.expiresAt ? new Date(sidecar.expiresAt) : undefined,
    });
    record.addStoredCopy(provider, sidecar.key, sidecar.storedBytes);
    return record;
  }

  /** Where every copy lives: one key, the same at each provider. */
  get objectKey(): string {
    const first = this.locations.getItems()[0];
    if (!first) throw new Error(`backup ${this.id} has no location`);
    return first.key;
  }

  /** Records (or repairs) the copy at `provider` as stored. */
  addStoredCopy(provider: ProviderName, key: string, size: number): void {
    let location = this.location(provider);
    if (!location) {
      location = new BackupLocation();
      Object.assign(location, { backup: this, provider, key });
      this.locations.add(location);
    }
    location.key = key;
    location.stored(size);
  }

  /** No job will change it any more: every status but PENDING and IN_PROGRESS. */
  get isFinished(): boolean {
    return this.status !== BackupStatus.PENDING && this.status !== BackupStatus.IN_PROGRESS;
  }

  /** A retried job starts over: copies from an earlier attempt are not trusted. */
  start(): void {
    if (this.isFinished) throw new Error(`backup ${this.id} is already ${this.status}`);
    this.status = BackupStatus.IN_PROGRESS;
    this.startedAt = new Date();
    this.heartbeatAt = this.startedAt;
    this.progress = 0;
    this.errorMessage = undefined;
    for (const location of this.locations) Object.assign(location, { status: LocationStatus.PENDING, size: undefined, error: undefined });
  }

  /** `expiresAt`: when the retention policy would let it go at the earliest, if a date can be known now. */
  complete(result: BackupResult, expiresAt: Date | undefined): void {
    if (!this.locations.getItems().some((l) => l.status === LocationStatus.STORED)) throw new Error('a backup with no stored copy cannot complete');
    Object.assign(this, result);
    this.compressionRatio = result.rawBytes > 0 ? result.compressedBytes / result.rawBytes : 1;
    this.status = BackupStatus.COMPLETED;
    this.progress = 100;
    this.completedAt = new Date();
    this.durationMs = this.completedAt.getTime() - (this.startedAt ?? this.createdAt).getTime();
    this.expiresAt = expiresAt;
  }

  /** An attempt failed and the job will run again: back to PENDING, with the reason visible meanwhile. */
  retrying(reason: string): void {
    this.status = BackupStatus.PENDING;
    this.progress = 0;
    this.errorMessage = `retrying after: ${reason}`;
  }

  fail(reason: string): void {
    this.status = BackupStatus.FAILED;
    this.errorMessage = reason;
    this.completedAt = new Date();
    this.durationMs = this.completedAt.getTime() - (this.startedAt ?? this.createdAt).getTime();
  }

  location(provider: ProviderName): BackupLocation | undefined {
    return this.locations.getItems().find((l) => l.provider === provider);
  }

  /** Copies that failed to store while the backup as a whole succeeded: replication's work list. */
  get missingCopies(): BackupLocation[] {
    return this.status === BackupStatus.COMPLETED ? this.locations.getItems().filter((l) => l.status !== LocationStatus.STORED) : [];
  }

  /** Overall verification state from the copies' states: failed if any checked copy failed. */
  refreshVerification(): void {
    const states = this.locations.getItems().filter((l) => l.status === LocationStatus.STORED).map((l) => l.verificationStatus);
    if (states.includes(VerificationStatus.FAILED)) this.verificationStatus = VerificationStatus.FAILED;
    else if (states.length > 0 && states.every((s) => s === VerificationStatus.VERIFIED)) this.verificationStatus = VerificationStatus.VERIFIED;
    else this.verificationStatus = VerificationStatus.UNVERIFIED;
  }
}
