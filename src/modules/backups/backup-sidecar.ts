import { BASE_PREFIX, DISASTER_PREFIX, isUuid, parseBackupKey, sidecarKeyFor, StoragePort, TENANTS_PREFIX } from '../../../libs/storage';
import type { ProviderName } from '../../../libs/storage/storage.port';
import type { BackupRecord } from './backup.entity';
import { BackupStatus, BackupType } from './backup.types';

/**
 * The sidecar: the plain JSON written beside every stored object (`<backupId>.manifest.json`, under `tenants/`,
 * `disaster/`, `customer/` and `base/`), enough to rebuild the catalog from a bucket alone (SPEC §5; format in
 * docs/FORMAT.md, "Sidecar"). It holds no tenant rows and no secret:
 * sizes, hashes, key id, table names and row counts. Written and read only here.
 */
export const SIDECAR_FORMAT = 'tenantvault.sidecar/1';

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

/** A sidecar is a page of JSON; anything larger is not one. */
const MAX_SIDECAR_BYTES = 1024 * 1024;
const SHA256 = /^[0-9a-f]{64}$/;
/** Which backup types may live under which prefix of the layout. */
const TYPES_UNDER: Record<string, BackupType[]> = {
  tenant: [BackupType.TENANT, BackupType.PRE_RESTORE],
  disaster: [BackupType.DISASTER],
  customer: [BackupType.CUSTOMER],
  base: [BackupType.BASE],
};
/**
 * The prefixes a catalog rebuild walks. Customer exports are left out: they are short-lived downloads whose window
 * lives in their own context's records; the orphan sweep removes any a lost catalog leaves behind.
 */
export const SIDECAR_PREFIXES = [TENANTS_PREFIX, DISASTER_PREFIX, BASE_PREFIX];

export function sidecarBody(record: BackupRecord): Buffer {
  if (record.status !== BackupStatus.COMPLETED || !record.sha256 || !record.keyId || !record.completedAt) {
    throw new Error(`sidecar of backup ${record.id} requested before it completed`);
  }
  const sidecar: BackupSidecar = {
    format: SIDECAR_FORMAT,
    backupId: record.id,
    type: record.type,
    tenantId: record.tenantId ?? null,
    status: BackupStatus.COMPLETED,
    key: record.objectKey,
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
  return Buffer.from(JSON.stringify(sidecar, null, 2));
}

/** Checks a parsed sidecar against the format and against the key it was found at; throws saying what is wrong. */
export function parseSidecar(value: unknown, sidecarKey: string): BackupSidecar {
  const s = value as Partial<BackupSidecar> | null;
  const problem = (what: string) => new Error(`not a valid sidecar: ${what}`);
  if (!s || typeof s !== 'object' || s.format !== SIDECAR_FORMAT) throw problem(`format is not ${SIDECAR_FORMAT}`);
  const where = parseBackupKey(sidecarKey);
  if (!where?.sidecar || !isUuid(s.backupId) || s.backupId.toLowerCase() !== where.backupId.toLowerCase()) throw problem('backupId does not match its key');
  if (typeof s.key !== 'string' || sidecarKeyFor(s.key) !== sidecarKey) throw problem('key does not sit beside this sidecar');
  if (!TYPES_UNDER[where.kind].includes(s.type as BackupType)) throw problem(`type ${String(s.type)} does not belong under ${where.kind}`);
  if ((where.kind === 'tenant' || where.kind === 'customer') && s.tenantId?.toLowerCase() !== where.tenantId.toLowerCase()) throw problem('tenantId does not match its key');
  if (s.status !== BackupStatus.COMPLETED) throw problem('status is not COMPLETED');
  if (!SHA256.test(s.sha256 ?? '')) throw problem('sha256 is malformed');
  for (const field of ['storedBytes', 'rawBytes', 'compressedBytes'] as const) {
    if (!Number.isSafeInteger(s[field]) || s[field]! < 0) throw problem(`${field} is not a byte count`);
  }
  if (typeof s.encryption?.keyId !== 'string' || typeof s.compression !== 'string' || typeof s.initiatedBy !== 'string') throw problem('encryption, compression or initiatedBy is missing');
  for (const field of ['createdAt', 'completedAt'] as const) {
    if (typeof s[field] !== 'string' || Number.isNaN(Date.parse(s[field]!))) throw problem(`${field} is not a timestamp`);
  }
  if (s.expiresAt !== null && (typeof s.expiresAt !== 'string' || Number.isNaN(Date.parse(s.expiresAt)))) throw problem('expiresAt is not a timestamp');
  return s as BackupSidecar;
}

export type ScannedSidecar = { ok: true; provider: ProviderName; sidecar: BackupSidecar } | { ok: false; provider: ProviderName; key: string; reason: string };

/**
 * Every backup a provider holds under `prefix`, read from the sidecars alone. A sidecar counts only if it is well
 * formed, agrees with its own key, and its object is there with the recorded size; the others are reported with the
 * reason, never trusted.
 */
export async function* scanSidecars(adapter: StoragePort, prefix: string): AsyncGenerator<ScannedSidecar> {
  const objectSizes = new Map<string, number>();
  const sidecarKeys: string[] = [];
  for await (const info of adapter.list(prefix)) {
    const parsed = parseBackupKey(info.key);
    if (!parsed) continue;
    if (parsed.sidecar) sidecarKeys.push(info.key);
    else objectSizes.set(info.key, info.size);
  }
  for (const key of sidecarKeys) {
    try {
      const sidecar = parseSidecar(JSON.parse((await readSmall(adapter, key)).toString('utf8')), key);
      const size = objectSizes.get(sidecar.key);
      if (size === undefined) throw new Error('its backup object is missing');
      if (size !== sidecar.storedBytes) throw new Error(`its backup object is ${size} bytes, the sidecar says ${sidecar.storedBytes}`);
      yield { ok: true, provider: adapter.name, sidecar };
    } catch (error) {
      yield { ok: false, provider: adapter.name, key, reason: (error as Error).message };
    }
  }
}

/** The disaster backups a provider holds, newest first, from its sidecars alone. */
export async function disasterBackupsAt(adapter: StoragePort, onSkipped: (key: string, reason: string) => void = () => undefined): Promise<BackupSidecar[]> {
  return platformBackupsAt(adapter, DISASTER_PREFIX, onSkipped);
}

/** The BASE backups (point-in-time recovery) a provider holds, newest first, from its sidecars alone. */
export async function baseBackupsAt(adapter: StoragePort, onSkipped: (key: string, reason: string) => void = () => undefined): Promise<BackupSidecar[]> {
  return platformBackupsAt(adapter, BASE_PREFIX, onSkipped);
}

async function platformBackupsAt(adapter: StoragePort, prefix: string, onSkipped: (key: string, reason: string) => void): Promise<BackupSidecar[]> {
  const found: BackupSidecar[] = [];
  for await (const scanned of scanSidecars(adapter, prefix)) {
    if (scanned.ok) found.push(scanned.sidecar);
    else onSkipped(scanned.key, scanned.reason);
  }
  return found.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

async function readSmall(adapter: StoragePort, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const body = await adapter.get(key);
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_SIDECAR_BYTES) {
      body.destroy();
      throw new Error(`larger than ${MAX_SIDECAR_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
