import { Queue } from 'bullmq';
import { Client } from 'pg';
import { DEMO_TENANTS } from '../../libs/demo-platform';
import { BackupsSweeper } from '../../src/modules/backups';
import { RestoresSweeper } from '../../src/modules/restores';
import { apiOf } from '../support/api';
import { ServiceProcess, startServiceProcess } from '../support/service-process';
import { tableContentHashes } from '../support/table-hashes';
import { startTestEnvironment, TestEnvironment } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const A = DEMO_TENANTS.A.id;

/**
 * Workers killed with SIGKILL mid-job, as a crash or an OOM kill would. This process runs the API only; the work
 * runs in worker processes of the built service. Nothing may stay PENDING or IN_PROGRESS: the sweep (or BullMQ's
 * stall recovery, and then the sweep) ends the record FAILED with a reason and frees its lock.
 */
describe('crash recovery (worker processes killed mid-job)', () => {
  let env: TestEnvironment;
  let api: ReturnType<typeof apiOf>;
  let platform: Client;
  const workers: ServiceProcess[] = [];

  const startWorker = async () => {
    const worker = await startServiceProcess(env.variables, 'worker');
    workers.push(worker);
    return worker;
  };
  const activity = async (application: string) =>
    (await platform.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1', [application])).rows[0].n > 0;
  const lockHeld = async (queueName: string, jobId: string) => {
    const queue = new Queue(queueName, { connection: { url: env.config.redisUrl }, prefix: env.config.queuePrefix });
    try {
      const client = (await queue.client) as unknown as { exists(key: string): Promise<number> };
      return (await client.exists(queue.toKey(`${jobId}:lock`))) === 1;
    } finally {
      await queue.close();
    }
  };
  const jobState = async (queueName: string, jobId: string) => {
    const queue = new Queue(queueName, { connection: { url: env.config.redisUrl }, prefix: env.config.queuePrefix });
    try {
      return (await queue.getJob(jobId))?.getState();
    } finally {
      await queue.close();
    }
  };
  const hashesOfA = async () => tableContentHashes(platform, { tenantId: A });

  beforeAll(async () => {
    // The stall settings are small so the test waits seconds, not minutes: a stall is checked every second, a job
    // is never handed out twice, and one nobody holds for a second counts as abandoned.
    env = await startTestEnvironment({ env: { APP_ROLE: 'api', JOB_ATTEMPTS: '1', JOB_STALL_LIMIT_SECONDS: '1', JOB_STALLED_CHECK_SECONDS: '1', JOB_MAX_STALLS: '0' } });
    api = apiOf(env);
    platform = new Client({ connectionString: env.platform.url });
    await platform.connect();
    // A tenant big enough that its dump, backup and restore take seconds: long enough to be killed in the middle.
    await platform.query(
      `INSERT INTO users (tenant_id, email, display_name, bio, created_at)
       SELECT $1, 'bulk' || i || '@acme.example.test', 'Bulk user ' || i, repeat('lorem ipsum ', 20), '2024-01-01T00:00:00Z' FROM generate_series(1, 300000) i`,
      [A],
    );
  });

  afterAll(async () => {
    for (const worker of workers) await worker.kill();
    await platform?.end();
    await env?.close();
  });

  it('a disaster backup whose worker died and that no worker recovered ends FAILED by the sweep, and the next one is accepted', async () => {
    const worker = await startWorker();
    const { body: created } = await api.http().post('/api/super-admin/backups/disaster').set(api.admin()).expect(202);
    await waitFor('pg_dump to be running', () => activity('pg_dump'), 60_000, 20);
    await worker.kill('SIGKILL');

    // No worker runs now: BullMQ's lock on the job lapses and nobody takes the job over.
    await waitFor('the dead worker’s lock on the job to lapse', async () => !(await lockHeld('disaster-backups', `disaster-backup-${created.id}`)), 60_000, 250);
    const { body: stuck } = await api.http().get(`/api/super-admin/backups/disaster/${created.id}`).set(api.admin()).expect(200);
    expect(stuck.status).toBe('IN_PROGRESS');
    await api.http().post('/api/super-admin/backups/disaster').set(api.admin()).expect(409);

    const report = await env.app.get(BackupsSweeper).sweep();
    expect(report.ended).toEqual([{ id: created.id, reason: expect.stringContaining('its worker stopped') }]);
    const { body: swept } = await api.http().get(`/api/super-admin/backups/disaster/${created.id}`).set(api.admin()).expect(200);
    expect(swept).toMatchObject({ status: 'FAILED', errorMessage: expect.stringMatching(/^swept: its worker stopped/) });
    expect(await api.catalogQuery('SELECT * FROM tenant_locks')).toEqual([]);

    const { body: next } = await api.http().post('/api/super-admin/backups/disaster').set(api.admin()).expect(202);
    await startWorker();
    expect((await api.waitForBackup(next.id, `/api/super-admin/backups/disaster/${next.id}`)).status).toBe('COMPLETED');
  });

  it('a restore job that exhausts BullMQ’s stall recovery ends FAILED with the reason, the tenant exactly as before', async () => {
    for (const worker of workers) await worker.kill();
    const running = await startWorker();
    const backup = await api.backupAndWait(A);
    expect(backup.status).toBe('COMPLETED');
    const before = await hashesOfA();

    const { body: restore } = await api.http().post('/api/super-admin/restore/tenant').set(api.admin()).send({ tenantId: A, backupId: backup.id }).expect(202);
    await waitFor('the import transaction to be running', () => activity('tenantvault-import'), 120_000, 20);
    await running.kill('SIGKILL');

    // A live worker's stall check finds the job's lock lapsed; with JOB_MAX_STALLS=0 the job is failed instead of
    // being handed out again. The record is still IN_PROGRESS: BullMQ does not know it.
    await startWorker();
    await waitFor('BullMQ to give up on the stalled job', async () => (await jobState('restores', `restore-${restore.id}`)) === 'failed', 90_000, 250);
    const { body: stuck } = await api.http().get(`/api/super-admin/restore/${restore.id}`).set(api.admin()).expect(200);
    expect(stuck.status).toBe('IN_PROGRESS');

    await env.app.get(RestoresSweeper).sweep();
    const { body: settled } = await api.http().get(`/api/super-admin/restore/${restore.id}`).set(api.admin()).expect(200);
    expect(settled).toMatchObject({ status: 'FAILED', errorMessage: expect.stringContaining('job stalled more than allowable limit') });
    expect(settled.items[0]).toMatchObject({ status: 'FAILED', errorMessage: expect.stringContaining('its job failed') });
    expect(await hashesOfA()).toEqual(before);
    expect(await api.catalogQuery('SELECT * FROM tenant_locks WHERE tenant_id = $1', [A])).toEqual([]);
  });
});
