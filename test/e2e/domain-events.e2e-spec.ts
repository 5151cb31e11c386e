import { Queue } from 'bullmq';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import { DEMO_TENANTS } from '../../libs/demo-platform';
import { DomainEvent, DomainEvents, DomainEventType } from '../../src/common/domain-events';
import { apiOf } from '../support/api';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { startTestEnvironment, TestEnvironment } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const A = DEMO_TENANTS.A.id;
const B = DEMO_TENANTS.B.id;
const D = '44444444-4444-4444-8444-444444444444';

/**
 * Every event of the catalogue (docs/EVENTS.md), provoked through the real service and observed with its payload:
 * a failing provider is a stopped S3 server, a failed backup a tenant that vanished before its job ran, a damaged
 * copy a flipped byte on disk.
 */
describe('the domain-event catalogue', () => {
  let env: TestEnvironment;
  let api: ReturnType<typeof apiOf>;
  let platform: Client;
  const databases: TestDatabase[] = [];
  const seen: DomainEvent[] = [];

  const queueOf = (name: string) => new Queue(name, { connection: { url: env.config.redisUrl }, prefix: env.config.queuePrefix });
  const eventOf = <T extends DomainEventType>(type: T, match: (e: Extract<DomainEvent, { type: T }>) => boolean) =>
    waitFor(`a ${type} event`, () => seen.find((e): e is Extract<DomainEvent, { type: T }> => e.type === type && match(e as Extract<DomainEvent, { type: T }>)), 60_000);

  async function withPausedQueue<T>(name: string, whilePaused: () => Promise<T>): Promise<T> {
    const queue = queueOf(name);
    await queue.pause();
    try {
      return await whilePaused();
    } finally {
      await queue.resume();
      await queue.close();
    }
  }

  beforeAll(async () => {
    // Replication retries every 1, 2, 4 s and gives up after 4 attempts; backups get one attempt.
    env = await startTestEnvironment({ s3: true, env: { JOB_ATTEMPTS: '1', JOB_BACKOFF_MS: '1000', REPLICATION_ATTEMPTS: '4' } });
    api = apiOf(env);
    const events = env.app.get(DomainEvents);
    const types: DomainEventType[] = ['backup.completed', 'backup.failed', 'backup.redundancy-degraded', 'replication.completed', 'replication.given-up', 'restore.completed', 'restore.failed', 'disaster-restore.completed', 'disaster-restore.failed', 'integrity.failure', 'provider.unreachable'];
    for (const type of types) events.on(type, (e) => void seen.push(e));
    platform = new Client({ connectionString: env.platform.url });
    await platform.connect();
  });

  afterAll(async () => {
    await platform?.end();
    for (const db of databases) await db.drop();
    await env?.close();
  });

  it('backup.completed, with sizes, duration and the providers that hold it', async () => {
    const backup = await api.backupAndWait(A);
    expect(backup.status).toBe('COMPLETED');
    expect(await eventOf('backup.completed', (e) => e.backupId === backup.id)).toEqual({
      type: 'backup.completed',
      backupId: backup.id,
      backupType: 'TENANT',
      tenantId: A,
      initiatedBy: 'test-admin',
      rawBytes: expect.any(Number),
      storedBytes: backup.storedBytes,
      durationMs: expect.any(Number),
      storedProviders: ['b2', 'local'],
      missingProviders: [],
    });
  });

  it('provider.unreachable and backup.redundancy-degraded when S3 is down, then replication.completed once it is back', async () => {
    await env.s3!.stop();
    const restarted = eventOf('backup.redundancy-degraded', () => true).then(() => env.s3!.start());
    const backup = await api.backupAndWait(A);
    await restarted;
    expect(backup.locations.map((l) => [l.provider, l.status])).toEqual([['b2', 'FAILED'], ['local', 'STORED']]);
    expect(await eventOf('provider.unreachable', (e) => e.provider === 'b2')).toEqual({ type: 'provider.unreachable', provider: 'b2', operation: 'put', reason: expect.stringContaining('b2') });
    expect(await eventOf('backup.redundancy-degraded', (e) => e.backupId === backup.id)).toEqual({
      type: 'backup.redundancy-degraded',
      backupId: backup.id,
      backupType: 'TENANT',
      tenantId: A,
      initiatedBy: 'test-admin',
      missing: [{ provider: 'b2', reason: expect.any(String) }],
    });
    expect(await eventOf('replication.completed', (e) => e.backupId === backup.id)).toEqual({ type: 'replication.completed', backupId: backup.id, backupType: 'TENANT', tenantId: A, initiatedBy: 'test-admin', provider: 'b2' });
  });

  it('replication.given-up when the provider stays down through every attempt', async () => {
    await env.s3!.stop();
    try {
      const backup = await api.backupAndWait(B);
      expect(await eventOf('replication.given-up', (e) => e.backupId === backup.id)).toEqual({
        type: 'replication.given-up',
        backupId: backup.id,
        backupType: 'TENANT',
        tenantId: B,
        initiatedBy: 'test-admin',
        provider: 'b2',
        reason: expect.stringContaining('b2'),
      });
    } finally {
      await env.s3!.start();
    }
  });

  it('backup.failed when the backup fails for good, with the reason', async () => {
    await platform.query(`INSERT INTO tenants (id, slug, name, status, home_currency, created_at) VALUES ($1, 'doomed', 'Doomed Ltd', 'active', 'EUR', now())`, [D]);
    const id = await withPausedQueue('backups', async () => {
      const { body } = await api.http().post(`/api/super-admin/backups/tenant/${D}`).set(api.admin()).expect(202);
      await platform.query('DELETE FROM tenants WHERE id = $1', [D]);
      return body.id as string;
    });
    const failed = await api.waitForBackup(id);
    expect(failed).toMatchObject({ status: 'FAILED', errorMessage: expect.stringContaining(`Tenant ${D} not found`) });
    expect(await eventOf('backup.failed', (e) => e.backupId === id)).toEqual({ type: 'backup.failed', backupId: id, backupType: 'TENANT', tenantId: D, initiatedBy: 'test-admin', reason: failed.errorMessage, durationMs: expect.any(Number) });
  });

  it('restore.completed for a restored tenant; restore.failed and integrity.failure for a damaged copy', async () => {
    const backup = await api.backupAndWait(A);
    const restore = async (provider?: string) => {
      const { body } = await api.http().post('/api/super-admin/restore/tenant').set(api.admin()).send({ tenantId: A, backupId: backup.id, provider }).expect(202);
      return waitFor(`restore ${body.id}`, async () => {
        const { body: current } = await api.http().get(`/api/super-admin/restore/${body.id}`).set(api.admin()).expect(200);
        return ['COMPLETED', 'FAILED', 'PARTIAL'].includes(current.status) ? current : undefined;
      });
    };
    const done = await restore();
    expect(done.status).toBe('COMPLETED');
    expect(await eventOf('restore.completed', (e) => e.restoreId === done.id)).toEqual({
      type: 'restore.completed',
      restoreId: done.id,
      tenantId: A,
      backupId: backup.id,
      preRestoreBackupId: done.preRestoreBackupId,
      rowsRestored: Object.values(done.rowsRestored as Record<string, number>).reduce((sum, n) => sum + n, 0),
      initiatedBy: 'test-admin',
    });

    const file = join(env.localPath, backup.locations.find((l) => l.provider === 'local')!.key);
    const bytes = await readFile(file);
    bytes[bytes.length - 100] ^= 0xff;
    await writeFile(file, bytes);
    const failed = await restore('local');
    expect(failed.status).toBe('FAILED');
    expect(await eventOf('restore.failed', (e) => e.restoreId === failed.id)).toEqual({ type: 'restore.failed', restoreId: failed.id, tenantId: A, backupId: backup.id, reason: failed.errorMessage, initiatedBy: 'test-admin' });
    expect(await eventOf('integrity.failure', (e) => e.backupId === backup.id)).toEqual({ type: 'integrity.failure', backupId: backup.id, backupType: 'TENANT', tenantId: A, provider: 'local', reason: expect.stringMatching(/authentication|sha256|summary/) });
  });

  it('disaster-restore.completed into an empty database; disaster-restore.failed when the target filled up meanwhile', async () => {
    const backup = await api.disasterBackupAndWait();
    expect(backup.status).toBe('COMPLETED');
    const restore = async (target: TestDatabase, beforeItRuns: () => Promise<void> = async () => undefined) => {
      const id = await withPausedQueue('disaster-restores', async () => {
        const { body } = await api.http().post('/api/super-admin/restore/disaster').set(api.admin()).send({ backupId: backup.id, targetDatabaseUrl: target.url, confirm: true }).expect(202);
        await beforeItRuns();
        return body.id as string;
      });
      return waitFor(`disaster restore ${id}`, async () => {
        const { body } = await api.http().get(`/api/super-admin/restore/disaster/${id}`).set(api.admin()).expect(200);
        return ['COMPLETED', 'FAILED'].includes(body.status) ? body : undefined;
      });
    };
    const empty = await createTestDatabase(undefined, 'events_dr');
    databases.push(empty);
    const done = await restore(empty);
    expect(done.status).toBe('COMPLETED');
    expect(await eventOf('disaster-restore.completed', (e) => e.restoreId === done.id)).toEqual({ type: 'disaster-restore.completed', restoreId: done.id, backupId: backup.id, target: done.target, dumpBytes: done.dumpBytes, initiatedBy: 'test-admin' });

    const filling = await createTestDatabase(undefined, 'events_dr');
    databases.push(filling);
    const failed = await restore(filling, async () => {
      const client = new Client({ connectionString: filling.url });
      await client.connect();
      await client.query('CREATE TABLE arrived_meanwhile (id int)');
      await client.end();
    });
    expect(failed).toMatchObject({ status: 'FAILED', errorMessage: expect.stringContaining('is not empty') });
    expect(await eventOf('disaster-restore.failed', (e) => e.restoreId === failed.id)).toEqual({ type: 'disaster-restore.failed', restoreId: failed.id, backupId: backup.id, target: failed.target, reason: failed.errorMessage, initiatedBy: 'test-admin' });
    expect(failed.target).not.toMatch(/:[^:@/]+@/);
  });
});
