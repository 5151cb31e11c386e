import { DISASTER_PREFIX, isUuid, parseBackupKey, sidecarKeyFor, StoragePort } from '../../../libs/storage';
import type { ProviderName } from '../../../libs/storage/storage.port';
import { BackupSidecar, SIDECAR_FORMAT } from '../backups/backup-sidecar';
import { BackupStatus, BackupType } from '../backups/backup.types';

/** A sidecar is a page of JSON; anything larger is not one. */
const MAX_SIDECAR_BYTES = 1024 * 1024;
const SHA256 = /^[0-9a-f]{64}$/;

export type ScannedSidecar =
  | { ok: true; provider: ProviderName; sidecar: BackupSidecar }
  | { ok: false; provider: ProviderName; key: string; reason: string };

/**
 * Every backup a provider holds under `prefix` (`tenants/`, `disaster/`), read from the sidecars alone. A sidecar
 * counts only if it is well formed, agrees with its own key, and its object is there with the recorded size; the
 * others are reported with the reason, never trusted.
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

/** Checks a parsed sidecar against the format and against the key it was found at. */
export function parseSidecar(value: unknown, sidecarKey: string): BackupSidecar {
  const s = value as Partial<BackupSidecar> | null;
  const problem = (what: string) => new Error(`not a valid sidecar: ${what}`);
  if (!s || typeof s !== 'object' || s.format !== SIDECAR_FORMAT) throw problem(`format is not ${SIDECAR_FORMAT}`);
  const where = parseBackupKey(sidecarKey);
  if (!where?.sidecar || !isUuid(s.backupId) || s.backupId.toLowerCase() !== where.backupId.toLowerCase()) throw problem('backupId does not match its key');
  if (typeof s.key !== 'string' || sidecarKeyFor(s.key) !== sidecarKey) throw problem('key does not sit beside this sidecar');
  const types = where.kind === 'disaster' ? [BackupType.DISASTER] : [BackupType.TENANT, BackupType.PRE_RESTORE];
  if (!types.includes(s.type as BackupType)) throw problem(`type ${String(s.type)} does not belong under ${where.kind === 'disaster' ? 'disaster/' : 'tenants/'}`);
  if (where.kind === 'tenant' && s.tenantId?.toLowerCase() !== where.tenantId.toLowerCase()) throw problem('tenantId does not match its key');
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

/** The disaster backups a provider holds, newest first, from its sidecars alone. */
export async function disasterBackupsAt(adapter: StoragePort, onSkipped: (key: string, reason: string) => void = () => undefined): Promise<BackupSidecar[]> {
  const found: BackupSidecar[] = [];
  for await (const scanned of scanSidecars(adapter, DISASTER_PREFIX)) {
    if (scanned.ok) found.push(scanned.sidecar);
    else onSkipped(scanned.key, scanned.reason);
  }
  return found.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}
