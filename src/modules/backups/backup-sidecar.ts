import { BackupRecord } from './backup.entity';
import { BackupStatus, BackupType } from './backup.types';

export const SIDECAR_FORMAT = 'tenantvault.sidecar/1';

/**
 * The plain JSON written beside every stored object (`<backupId>.manifest.json`): enough to rebuild the
 * catalog from a bucket alone (SPEC §5). It holds no tenant rows and no secret — table names and row counts only.
 */
export interface BackupSidecar {
  format: typeof SIDECAR_FORMAT;
  backupId: string;
  type: BackupType;
  tenantId: string | null;
  status: BackupStatus.COMPLETED;
  key: string;
  sha256: string;
  storedBytes: number;
  rawBytes: number;
  compressedBytes: number;
  compression: string;
  encryption: { alg: 'AES-256-GCM'; keyId: string };
  rowCounts: Record<string, number> | null;
  initiatedBy: string;
  createdAt: string;
  completedAt: string;
  expiresAt: string | null;
}

export function buildSidecar(record: BackupRecord, key: string): BackupSidecar {
  if (record.status !== BackupStatus.COMPLETED || !record.sha256 || !record.keyId || !record.completedAt) {
    throw new Error(`sidecar of backup ${record.id} requested before it completed`);
  }
  return {
    format: SIDECAR_FORMAT,
    backupId: record.id,
    type: record.type,
    tenantId: record.tenantId ?? null,
    status: BackupStatus.COMPLETED,
    key,
    sha256: record.sha256,
    storedBytes: record.storedBytes ?? 0,
    rawBytes: record.rawBytes ?? 0,
    compressedBytes: record.compressedBytes ?? 0,
    compression: record.compression,
    encryption: { alg: 'AES-256-GCM', keyId: record.keyId },
    rowCounts: record.rowCounts ?? null,
    initiatedBy: record.initiatedBy,
    createdAt: record.createdAt.toISOString(),
    completedAt: record.completedAt.toISOString(),
    expiresAt: record.expiresAt?.toISOString() ?? null,
  };
}
