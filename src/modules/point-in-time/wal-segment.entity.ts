import { ArrayType, BigIntType, Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';
import type { WalFileKind, WalSidecar } from '../../../libs/pitr';
import { parseWalFileName } from '../../../libs/pitr';

/**
 * One file of the WAL archive, as an index row: the objects in the buckets are the archive, this table is what the
 * service knows of them (wal push records each file best effort; the WAL sweep and catalog rebuild fill it in).
 */
@Entity({ tableName: 'wal_segments' })
@Index({ properties: ['archivedAt'] })
export class WalSegment {
  @PrimaryKey({ type: 'text' })
  name!: string;

  @Property({ type: 'integer' })
  timeline!: number;

  @Property({ type: 'text' })
  kind!: WalFileKind;

  @Property({ type: new BigIntType('number') })
  bytes!: number;

  @Property({ type: 'text' })
  sha256!: string;

  @Property({ type: new BigIntType('number') })
  storedBytes!: number;

  @Property({ type: 'text' })
  storedSha256!: string;

  @Property({ type: 'text' })
  keyId!: string;

  /** When PostgreSQL last wrote the file: for a segment, when it was closed (recovery reaches this far with it). */
  @Property({ type: 'timestamptz' })
  modifiedAt!: Date;

  @Property({ type: 'timestamptz' })
  archivedAt!: Date;

  /** Providers holding a complete copy (object and sidecar). */
  @Property({ type: ArrayType })
  providers: string[] = [];

  static fromSidecar(sidecar: WalSidecar, providers: string[]): WalSegment {
    const file = parseWalFileName(sidecar.file);
    return Object.assign(new WalSegment(), {
      name: file.name,
      timeline: file.timeline,
      kind: file.kind,
      bytes: sidecar.bytes,
      sha256: sidecar.sha256,
      storedBytes: sidecar.storedBytes,
      storedSha256: sidecar.storedSha256,
      keyId: sidecar.encryption.keyId,
      modifiedAt: new Date(sidecar.modifiedAt),
      archivedAt: new Date(sidecar.archivedAt),
      providers: [...providers].sort(),
    });
  }
}
