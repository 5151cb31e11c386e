import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DEMO_TENANTS } from '../../libs/demo-platform';
import { apiOf } from '../support/api';
import { startTestEnvironment, TestEnvironment } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const A = DEMO_TENANTS.A.id;
const B = DEMO_TENANTS.B.id;

/**
 * Faults of the world around the service, provoked for real: connections the database server drops, a disk that
 * fills up and an S3 server that goes away while a backup streams, a storage directory that is read-only. Each must end one job at most, never the
 * process that runs the API and the workers (this test's own process: if it died, the test would).
 */
describe('faults end one job, never the service', () => {
  let env: TestEnvironment;
  let api: ReturnType<typeof apiOf>;
  let mount: string;

  const terminateConnections = async (databaseUrl: string) => {
    const admin = new Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
      await waitFor('the dropped connections to be gone', async () => (await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')).rows[0].n === 0);
    } finally {
      await admin.end();
    }
  };

  beforeAll(async () => {
    // The local provider lives on a small filesystem of its own: room for small backups, not for tenant B's.
    mount = await mkdtemp(join(tmpdir(), 'tv-small-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mount]);
    env = await startTestEnvironment({ s3: true, env: { JOB_ATTEMPTS: '1', LOCAL_STORAGE_PATH: mount } });
    api = apiOf(env);
    const platform = new Client({ connectionString: env.platform.url });
    await platform.connect();
    // Far bigger than the small disk, and still streaming when the test stops the S3 server.
    await platform.query(
      `INSERT INTO users (tenant_id, email, display_name, bio, avatar, created_at)
       SELECT $1, 'bulk' || i || '@globex.example.test', 'Bulk ' || i, md5(i::text), decode(md5(i::text) || md5((i + 1)::text), 'hex'), '2024-01-01T00:00:00Z'
       FROM generate_series(1, 400000) i`,
      [B],
    );
    await platform.end();
  });

  afterAll(async () => {
    await env?.close();
    execFileSync('umount', ['-l', mount]);
    await rm(mount, { recursive: true, force: true });
  });

  it('survives the platform and catalog connections being killed while idle, and the next backup completes', async () => {
    expect((await api.backupAndWait(A)).status).toBe('COMPLETED');
    await terminateConnections(env.platform.url);
    await terminateConnections(env.catalog.url);
    const next = await api.backupAndWait(A);
    expect(next.status).toBe('COMPLETED');
  });

  it('ends a backup FAILED with the reasons when every provider fails mid-stream, and goes on serving', async () => {
    const { body: created } = await api.http().post(`/api/super-admin/backups/tenant/${B}`).set(api.admin()).expect(202);
    // Once the upload is under way, the S3 server goes away; the small disk fills up on its own.
    await waitFor('the upload to be under way', async () => (await readdir(join(mount, '.partial')).catch(() => [])).length > 0, 60_000, 10);
    await env.s3!.stop();
    try {
      const failed = await api.waitForBackup(created.id);
      expect(failed.status).toBe('FAILED');
      expect(failed.errorMessage).toMatch(/no provider stored backup/);
      expect(failed.errorMessage).toMatch(/local: .*ENOSPC/);
      expect(failed.errorMessage).toMatch(/b2: /);
    } finally {
      await env.s3!.start();
    }
    expect(await readdir(join(mount, '.partial'))).toEqual([]);
    expect((await api.backupAndWait(A)).status).toBe('COMPLETED');
  });

  it('ends a backup FAILED when the storage directory is read-only and S3 is down, and goes on serving', async () => {
    execFileSync('chattr', ['+i', join(mount, '.partial')]);
    await env.s3!.stop();
    try {
      const failed = await api.backupAndWait(A);
      expect(failed.status).toBe('FAILED');
      expect(failed.errorMessage).toMatch(/local: .*EPERM/);
    } finally {
      execFileSync('chattr', ['-i', join(mount, '.partial')]);
      await env.s3!.start();
    }
    expect((await api.backupAndWait(A)).status).toBe('COMPLETED');
  });
});
