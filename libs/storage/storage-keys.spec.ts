import { InvalidStorageKeyError } from './storage.errors';
import {
  assertSafeKey,
  assertSafePrefix,
  baseBackupKey,
  baseBackupRangeKeyFor,
  customerExportKey,
  disasterBackupKey,
  parseBackupKey,
  sidecarKeyFor,
  tenantBackupKey,
  tenantBackupsPrefix,
  parseWalKey,
  walFileKey,
  walSidecarKey,
} from './storage-keys';

const TENANT = '3f2b8c1e-9a4d-4e7b-8c2a-1d5e6f708192';
const BACKUP = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
// 23:30 on 31 January in New York is already February in UTC: the folder follows UTC.
const CREATED = new Date('2025-02-01T04:30:00Z');

describe('storage keys', () => {
  it('lays out tenant, disaster and customer keys by UTC year and month', () => {
    expect(tenantBackupKey(TENANT, BACKUP, CREATED)).toBe(`tenants/${TENANT}/2025/02/${BACKUP}.tvb`);
    expect(disasterBackupKey(BACKUP, CREATED)).toBe(`disaster/2025/02/${BACKUP}.tvb`);
    expect(customerExportKey(TENANT, BACKUP, CREATED)).toBe(`customer/${TENANT}/2025/02/${BACKUP}.tvb`);
    expect(tenantBackupKey(TENANT, BACKUP, new Date('2024-12-31T23:59:59.999Z'))).toContain('/2024/12/');
  });

  it('puts the sidecar beside its object', () => {
    expect(sidecarKeyFor(tenantBackupKey(TENANT, BACKUP, CREATED))).toBe(`tenants/${TENANT}/2025/02/${BACKUP}.manifest.json`);
    expect(sidecarKeyFor(disasterBackupKey(BACKUP, CREATED))).toBe(`disaster/2025/02/${BACKUP}.manifest.json`);
    expect(() => sidecarKeyFor('tenants/x/notes.txt')).toThrow(InvalidStorageKeyError);
  });

  it('normalises ids to lower case so one backup has one key', () => {
    expect(tenantBackupKey(TENANT.toUpperCase(), BACKUP, CREATED)).toBe(tenantBackupKey(TENANT, BACKUP, CREATED));
  });

  it.each([
    ['a traversal', '../../etc'],
    ['an encoded traversal', '%2e%2e'],
    ['an encoded slash', `..%2F..%2Fetc`],
    ['an absolute path', '/etc/passwd'],
    ['empty', ''],
    ['not a uuid', 'tenant-1'],
    ['a uuid with a suffix', `${TENANT}/../x`],
    ['a uuid with a newline', `${TENANT}\n`],
  ])('rejects an id that is %s', (_label, id) => {
    expect(() => tenantBackupKey(id, BACKUP, CREATED)).toThrow(InvalidStorageKeyError);
    expect(() => tenantBackupKey(TENANT, id, CREATED)).toThrow(InvalidStorageKeyError);
    expect(() => disasterBackupKey(id, CREATED)).toThrow(InvalidStorageKeyError);
    expect(() => customerExportKey(id, BACKUP, CREATED)).toThrow(InvalidStorageKeyError);
    expect(() => tenantBackupsPrefix(id)).toThrow(InvalidStorageKeyError);
  });

  it('rejects ids that are not strings and dates that are not dates', () => {
    expect(() => tenantBackupKey(42 as unknown as string, BACKUP, CREATED)).toThrow(InvalidStorageKeyError);
    expect(() => tenantBackupKey(TENANT, BACKUP, new Date('nonsense'))).toThrow(InvalidStorageKeyError);
    expect(() => tenantBackupKey(TENANT, BACKUP, '2025-01-01' as unknown as Date)).toThrow(InvalidStorageKeyError);
  });

  it.each([
    '../../etc/passwd',
    'tenants/../../etc',
    'tenants/./x',
    '/etc/passwd',
    'tenants//x',
    'tenants/x/',
    '%2e%2e/%2e%2e/etc',
    'tenants\\..\\x',
    'C:/x',
    '.partial/abc',
    'tenants/.hidden',
    'a b',
    'x\0y',
    '',
  ])('assertSafeKey rejects %j', (key) => {
    expect(() => assertSafeKey(key)).toThrow(InvalidStorageKeyError);
  });

  it('assertSafeKey rejects keys longer than S3 allows', () => {
    const key = 'a'.repeat(1025);
    expect(() => assertSafeKey(key)).toThrow(InvalidStorageKeyError);
  });

  it('assertSafeKey accepts what the builders produce', () => {
    expect(() => assertSafeKey(tenantBackupKey(TENANT, BACKUP, CREATED))).not.toThrow();
    expect(() => assertSafeKey('probe/x_1-2.txt')).not.toThrow();
  });

  it('assertSafePrefix allows everything, a folder, or a partial name, and nothing unsafe', () => {
    for (const ok of ['', 'tenants/', `tenants/${TENANT}/2025/`, 'tenants/3f2b']) expect(() => assertSafePrefix(ok)).not.toThrow();
    for (const bad of ['/', '../', '/tenants', 'tenants//', '..']) expect(() => assertSafePrefix(bad)).toThrow(InvalidStorageKeyError);
  });

  it('reads ids back from backup and sidecar keys', () => {
    expect(parseBackupKey(tenantBackupKey(TENANT, BACKUP, CREATED))).toEqual({ kind: 'tenant', tenantId: TENANT, backupId: BACKUP, sidecar: false });
    expect(parseBackupKey(sidecarKeyFor(disasterBackupKey(BACKUP, CREATED)))).toEqual({ kind: 'disaster', backupId: BACKUP, sidecar: true });
    expect(parseBackupKey(customerExportKey(TENANT, BACKUP, CREATED))).toEqual({ kind: 'customer', tenantId: TENANT, backupId: BACKUP, sidecar: false });
    expect(parseBackupKey('tenants/x/2025/01/y.tvb')).toBeNull();
  });
});

describe('point-in-time keys', () => {
  it('lays out base backups by month, with the WAL range sidecar beside the object', () => {
    const key = baseBackupKey(BACKUP, CREATED);
    expect(key).toBe(`base/2025/02/${BACKUP}.tvb`);
    expect(sidecarKeyFor(key)).toBe(`base/2025/02/${BACKUP}.manifest.json`);
    expect(baseBackupRangeKeyFor(key)).toBe(`base/2025/02/${BACKUP}.pitr.json`);
    expect(parseBackupKey(key)).toEqual({ kind: 'base', backupId: BACKUP, sidecar: false });
    expect(() => baseBackupRangeKeyFor(disasterBackupKey(BACKUP, CREATED))).toThrow(InvalidStorageKeyError);
    expect(() => baseBackupKey('../x', CREATED)).toThrow(InvalidStorageKeyError);
  });

  it('files each WAL file under its timeline, and reads the name back', () => {
    expect(walFileKey('00000002000000010000007F')).toBe('wal/00000002/00000002000000010000007F');
    expect(walSidecarKey('00000002.history')).toBe('wal/00000002/00000002.history.manifest.json');
    expect(walFileKey('000000010000000000000002.00000028.backup')).toBe('wal/00000001/000000010000000000000002.00000028.backup');
    expect(parseWalKey('wal/00000001/000000010000000000000003.manifest.json')).toEqual({ fileName: '000000010000000000000003', sidecar: true });
    expect(parseWalKey('wal/00000002/000000010000000000000003')).toBeNull(); // filed under another timeline
    expect(parseWalKey('wal/00000001/notes.txt')).toBeNull();
  });

  it.each(['../00000001.history', '000000010000000000000003/x', '00000001000000000000000g', '.partial', '', 'RECOVERYHISTORY'])('refuses %j as a WAL file name', (name) => {
    expect(() => walFileKey(name)).toThrow(InvalidStorageKeyError);
  });
});
