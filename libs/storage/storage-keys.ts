import { InvalidStorageKeyError } from './storage.errors';

/*
 * The only place object keys are built (SPEC §5 layout). Every id is checked to be a UUID before
 * it becomes part of a key, and every adapter re-checks the final key with assertSafeKey, so no
 * input can climb out of the storage root or the bucket.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SAFE_SEGMENT = /^[A-Za-z0-9._-]+$/;
/** S3's own limit on key length, applied everywhere so a key valid locally is valid in a bucket. */
const MAX_KEY_LENGTH = 1024;

export const TENANTS_PREFIX = 'tenants/';
export const DISASTER_PREFIX = 'disaster/';
export const CUSTOMER_PREFIX = 'customer/';
export const BASE_PREFIX = 'base/';
/** The WAL archive: `wal/<timeline>/<file>`, written by `wal push` (PostgreSQL's archive_command). */
export const WAL_PREFIX = 'wal/';
export const BACKUP_EXTENSION = '.tvb';
export const SIDECAR_EXTENSION = '.manifest.json';

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** Lower-cased so one id always maps to one key (PostgreSQL compares uuids case-insensitively). */
function uuidSegment(value: unknown, what: string): string {
  if (!isUuid(value)) throw new InvalidStorageKeyError(`${what} must be a UUID`);
  return value.toLowerCase();
}

function monthFolder(createdAt: Date): string {
  if (!(createdAt instanceof Date) || Number.isNaN(createdAt.getTime())) {
    throw new InvalidStorageKeyError('createdAt must be a valid date');
  }
  return `${createdAt.getUTCFullYear()}/${String(createdAt.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** A leading dot would allow '.', '..' and also reach the local adapter's own '.partial' folder. */
export function isSafeKeySegment(segment: string): boolean {
  return segment !== '' && !segment.startsWith('.') && SAFE_SEGMENT.test(segment);
}

/** Throws InvalidStorageKeyError unless `key` is a relative path of plain segments. */
export function assertSafeKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidStorageKeyError('storage key must be a non-empty string');
  if (key.length > MAX_KEY_LENGTH) throw new InvalidStorageKeyError(`storage key longer than ${MAX_KEY_LENGTH} characters`);
  for (const segment of key.split('/')) {
    if (!isSafeKeySegment(segment)) {
      throw new InvalidStorageKeyError(`unsafe storage key ${JSON.stringify(key.slice(0, 200))}`);
    }
  }
}

/** A list prefix: '' (everything), a safe key, or a safe key followed by '/'. */
export function assertSafePrefix(prefix: unknown): asserts prefix is string {
  if (prefix === '') return;
  if (typeof prefix !== 'string') throw new InvalidStorageKeyError('storage prefix must be a string');
  assertSafeKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}

export function tenantBackupKey(tenantId: string, backupId: string, createdAt: Date): string {
  const tenant = uuidSegment(tenantId, 'tenantId');
  const backup = uuidSegment(backupId, 'backupId');
  return `${TENANTS_PREFIX}${tenant}/${monthFolder(createdAt)}/${backup}${BACKUP_EXTENSION}`;
}

export function disasterBackupKey(backupId: string, createdAt: Date): string {
  return `${DISASTER_PREFIX}${monthFolder(createdAt)}/${uuidSegment(backupId, 'backupId')}${BACKUP_EXTENSION}`;
}

export function customerExportKey(tenantId: string, backupId: string, createdAt: Date): string {
  const tenant = uuidSegment(tenantId, 'tenantId');
  const backup = uuidSegment(backupId, 'backupId');
  return `${CUSTOMER_PREFIX}${tenant}/${monthFolder(createdAt)}/${backup}${BACKUP_EXTENSION}`;
}

/** A physical base backup of the platform cluster (point-in-time recovery). */
export function baseBackupKey(backupId: string, createdAt: Date): string {
  return `${BASE_PREFIX}${monthFolder(createdAt)}/${uuidSegment(backupId, 'backupId')}${BACKUP_EXTENSION}`;
}

export const BASE_RANGE_EXTENSION = '.pitr.json';

/** The WAL range sidecar of a base backup (start and stop LSN and time), beside its object and its manifest sidecar. */
export function baseBackupRangeKeyFor(objectKey: string): string {
  const parsed = parseBackupKey(objectKey);
  if (parsed?.kind !== 'base' || parsed.sidecar) throw new InvalidStorageKeyError(`not a base backup object key: ${JSON.stringify(String(objectKey).slice(0, 200))}`);
  return objectKey.slice(0, -BACKUP_EXTENSION.length) + BASE_RANGE_EXTENSION;
}

/**
 * Names PostgreSQL gives the files it archives: a segment (24 hex digits: timeline, log, segment), a timeline history
 * file, a backup history file, and the partial last segment of a timeline left at a promotion. Upper-case hex only,
 * as PostgreSQL writes them: nothing else can become part of a WAL key.
 */
export const WAL_FILE_NAME = /^(?:[0-9A-F]{24}(?:\.partial|\.[0-9A-F]{8}\.backup)?|[0-9A-F]{8}\.history)$/;
export const WAL_SIDECAR_EXTENSION = '.manifest.json';

function walFileSegment(fileName: unknown): string {
  if (typeof fileName !== 'string' || !WAL_FILE_NAME.test(fileName)) throw new InvalidStorageKeyError('not a WAL file name (a segment, .history, .backup or .partial file)');
  return fileName;
}

/** `wal/<timeline>/<file>`: the timeline is the file name's first 8 hex digits. */
export function walFileKey(fileName: string): string {
  const name = walFileSegment(fileName);
  return `${WAL_PREFIX}${name.slice(0, 8)}/${name}`;
}

/** The plain JSON beside each archived WAL file (its sha256 and sizes), which `catalog rebuild` reads. */
export function walSidecarKey(fileName: string): string {
  return `${walFileKey(fileName)}${WAL_SIDECAR_EXTENSION}`;
}

/** Reads the file name back from a WAL object or sidecar key; null for anything else. */
export function parseWalKey(key: string): { fileName: string; sidecar: boolean } | null {
  const match = /^wal\/([0-9A-F]{8})\/([^/]+?)(\.manifest\.json)?$/.exec(key);
  if (!match || !WAL_FILE_NAME.test(match[2]) || !match[2].startsWith(match[1])) return null;
  return { fileName: match[2], sidecar: match[3] !== undefined };
}

/** Prefix under which all of one tenant's backups live (for list). */
export function tenantBackupsPrefix(tenantId: string): string {
  return `${TENANTS_PREFIX}${uuidSegment(tenantId, 'tenantId')}/`;
}

const BACKUP_FILE = /^([0-9a-f-]{36})\.tvb$/;

/** The plain JSON manifest that sits beside a backup object: `<folder>/<backupId>.manifest.json`. */
export function sidecarKeyFor(objectKey: string): string {
  assertSafeKey(objectKey);
  const slash = objectKey.lastIndexOf('/');
  const match = BACKUP_FILE.exec(objectKey.slice(slash + 1));
  if (!match || !isUuid(match[1])) {
    throw new InvalidStorageKeyError(`not a backup object key: ${JSON.stringify(objectKey.slice(0, 200))}`);
  }
  return `${objectKey.slice(0, slash + 1)}${match[1]}${SIDECAR_EXTENSION}`;
}

export type ParsedBackupKey =
  | { kind: 'tenant' | 'customer'; tenantId: string; backupId: string; sidecar: boolean }
  | { kind: 'disaster' | 'base'; backupId: string; sidecar: boolean };

const TENANT_KEY = /^(tenants|customer)\/([0-9a-f-]{36})\/\d{4}\/\d{2}\/([0-9a-f-]{36})(\.tvb|\.manifest\.json)$/;
const DISASTER_KEY = /^disaster\/\d{4}\/\d{2}\/([0-9a-f-]{36})(\.tvb|\.manifest\.json)$/;
const BASE_KEY = /^base\/\d{4}\/\d{2}\/([0-9a-f-]{36})(\.tvb|\.manifest\.json)$/;

/** Reads ids back from a backup or sidecar key (catalog rebuild walks the sidecars); null for anything else. */
export function parseBackupKey(key: string): ParsedBackupKey | null {
  const tenant = TENANT_KEY.exec(key);
  if (tenant && isUuid(tenant[2]) && isUuid(tenant[3])) {
    return { kind: tenant[1] === 'tenants' ? 'tenant' : 'customer', tenantId: tenant[2], backupId: tenant[3], sidecar: tenant[4] === SIDECAR_EXTENSION };
  }
  const disaster = DISASTER_KEY.exec(key);
  if (disaster && isUuid(disaster[1])) {
    return { kind: 'disaster', backupId: disaster[1], sidecar: disaster[2] === SIDECAR_EXTENSION };
  }
  const base = BASE_KEY.exec(key);
  if (base && isUuid(base[1])) {
    return { kind: 'base', backupId: base[1], sidecar: base[2] === SIDECAR_EXTENSION };
  }
  return null;
}
