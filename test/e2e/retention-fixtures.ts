import { EntityManager } from '@mikro-orm/postgresql';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { disasterBackupKey, LocalFsAdapter, S3CompatibleAdapter, sidecarKeyFor, StoragePort, tenantBackupKey } from '../../libs/storage';
import { adaptersFromConfig } from '../../src/modules/storage';
import { BackupRecord, BackupType, VerificationStatus } from '../../src/modules/backups';
import { apiOf } from '../support/api';
import { withAdminClient } from '../support/test-database';
import type { TestEnvironment } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/** Shared by the retention*.e2e-spec.ts files: the storage of a test environment, synthetic backups, polling runs. */

export function localAdapter(env: TestEnvironment): LocalFsAdapter {
  return new LocalFsAdapter(env.localPath);
}

/** The bucket the service writes to as b2, reached with the service's own settings. */
export function s3Adapter(env: TestEnvironment): S3CompatibleAdapter {
  return new S3CompatibleAdapter({ name: 'b2', ...env.config.storage.b2! });
}

export async function listKeys(adapter: StoragePort, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of adapter.list(prefix)) keys.push(info.key);
  return keys.sort();
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Runs `work` with at most `limit` of them at once. */
export async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  }));
}

export interface SyntheticBackup {
  id: string;
  type: BackupType;
  tenantId?: string;
  createdAt: Date;
  key: string;
}

/**
 * A completed backup whose date is set by the test: its record (copies at every configured provider) and, at each
 * provider, its object (random bytes unless given: retention never reads one) with a sidecar.
 */
export async function seedBackups(env: TestEnvironment, specs: { type: BackupType; tenantId?: string; createdAt: Date; verified?: boolean; body?: Buffer }[]): Promise<SyntheticBackup[]> {
  const adapters = adaptersFromConfig(env.config.storage);
  const seeded: { record: BackupRecord; body: Buffer }[] = specs.map((spec) => {
    const record = BackupRecord.create({
      type: spec.type,
      tenantId: spec.tenantId,
      initiatedBy: 'test-seed',
      providers: adapters.map((a) => a.name),
      objectKey: (r) => (spec.type === BackupType.DISASTER ? disasterBackupKey(r.id, spec.createdAt) : tenantBackupKey(spec.tenantId!, r.id, spec.createdAt)),
    });
    const body = spec.body ?? randomBytes(64);
    for (const adapter of adapters) record.addStoredCopy(adapter.name, record.objectKey, body.length);
    record.complete({ rawBytes: body.length, compressedBytes: body.length, storedBytes: body.length, sha256: sha256(body), rowCounts: {}, keyId: 'test', compression: 'gzip' }, undefined);
    Object.assign(record, { createdAt: spec.createdAt, startedAt: spec.createdAt, completedAt: new Date(spec.createdAt.getTime() + 60_000) });
    if (spec.verified) {
      for (const location of record.locations) location.verified(true);
      record.verificationStatus = VerificationStatus.VERIFIED;
    }
    return { record, body };
  });
  const em = env.app.get(EntityManager).fork();
  for (let i = 0; i < seeded.length; i += 200) {
    seeded.slice(i, i + 200).forEach(({ record }) => em.persist(record));
    await em.flush();
  }
  const puts = seeded.flatMap(({ record, body }) =>
    adapters.flatMap((adapter) => [
      () => adapter.put(record.objectKey, Readable.from([body])),
      () => adapter.put(sidecarKeyFor(record.objectKey), Readable.from([Buffer.from(JSON.stringify({ backupId: record.id }))])),
    ]),
  );
  await inParallel(puts, 16, (put) => put());
  for (const adapter of adapters) if (adapter instanceof S3CompatibleAdapter) adapter.destroy();
  return seeded.map(({ record }) => ({ id: record.id, type: record.type, tenantId: record.tenantId, createdAt: record.createdAt, key: record.objectKey }));
}

/** Whether a database of that name exists on the test server. */
export async function databaseExists(name: string): Promise<boolean> {
  return withAdminClient(async (c) => (await c.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1);
}

/** Polls a run (GET `path`) until it is COMPLETED or FAILED. */
export function pollRun<T extends { status: string }>(env: TestEnvironment, path: string, timeoutMs = 120_000): Promise<T> {
  const api = apiOf(env);
  return waitFor<T>(`${path} to finish`, async () => {
    const { body } = await api.http().get(path).set(api.admin()).expect(200);
    return body.status === 'COMPLETED' || body.status === 'FAILED' ? body : undefined;
  }, timeoutMs);
}
