import { BigIntType, Entity, Enum, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { ProviderName } from '../../../libs/storage/storage.port';
import { VerificationStatus, LocationStatus } from './backup.types';
import type { BackupRecord } from './backup.entity';

/** One copy of a backup object at one storage provider. */
@Entity({ tableName: 'backup_locations' })
@Unique({ properties: ['backup', 'provider'] })
export class BackupLocation {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne('BackupRecord', { deleteRule: 'cascade' })
  backup!: BackupRecord;

  @Property({ type: 'text' })
  provider!: ProviderName;

  @Property({ type: 'text' })
  key!: string;

  @Property({ type: new BigIntType('number'), nullable: true })
  size?: number;

  @Enum({ items: () => LocationStatus })
  status: LocationStatus = LocationStatus.PENDING;

  @Enum({ items: () => VerificationStatus })
  verificationStatus: VerificationStatus = VerificationStatus.UNVERIFIED;

  @Property({ type: 'timestamptz', nullable: true })
  verifiedAt?: Date;

  @Property({ type: 'text', nullable: true })
  error?: string;

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  stored(size: number): void {
    this.status = LocationStatus.STORED;
    this.size = size;
    this.error = undefined;
  }

  failed(error: string): void {
    this.status = LocationStatus.FAILED;
    this.error = error;
  }

  verified(ok: boolean, error?: string): void {
    this.verificationStatus = ok ? VerificationStatus.VERIFIED : VerificationStatus.FAILED;
    this.verifiedAt = new Date();
    this.error = ok ? undefined : error;
  }
}
