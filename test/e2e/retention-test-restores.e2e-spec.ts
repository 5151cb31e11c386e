import { EntityManager } from '@mikro-orm/postgresql';
import { ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Client } from 'pg';
import * as tar from 'tar-stream';
import { sealStream, unsealStream } from '../../libs/archive/sealed-archive';
import { KeyRing } from '../../libs/crypto';
import { DEMO_TENANTS } from '../../libs/demo-platform';
import { DomainEvent, DomainEvents } from '../../src/common/domain-events';
import { BackupType } from '../../src/modules/backups';
import { RetentionSweeper, RunStatus, TestRestore, TestRestores } from '../../src/modules/retention';
import { startTestEnvironment, TEST_ENCRYPTION_KEY, TestEnvironment } from '../support/test-app';
import { withAdminClient } from '../support/test-database';
import { waitFor } from '../support/wait-for';
import { apiOf } from '../support/api';
import { databaseExists, pollRun, readAll, seedBackups } from './retention-fixtures';

const A = DEMO_TENANTS.A.id;
const B = DEMO_TENANTS.B.id;

interface TestRestoreBody {
  id: string;
  status: string;
  outcome?: string;
  backupId: string;
  backupType: string;
  scratchDatabase: string;
  durationMs?: number;
  rowsRestored?: number;
  errorMessage?: string;
  tables: { table: string; expectedRows: number; restoredRows: number; sourceRows?: number; ok: boolean; problem?: string }[];
}

/** Whatever a failed assertion left: the scratch databases of this environment's test restores. */
async function dropScratchOf(env: TestEnvironment): Promise<void> {
  const runs = await apiOf(env).catalogQuery<{ scratch_database: string }>('select scratch_database from test_restores');
  for (const { scratch_database: name } of runs) await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** The plaintext tar of an archive with summary.json edited: each entry copied as it is, but that one. */
async function withEditedSummary(plain: Readable, edit: (summary: { tables: Record<string, { rows: number }> }) => void): Promise<Buffer> {
  const extract = tar.extract();
  const pack = tar.pack();
  extract.on('entry', (header, stream, next) => {
    void readAll(stream).then((body) => {
      if (header.name === 'summary.json') {
        const summary = JSON.parse(body.toString('utf8'));
        edit(summary);
        body = Buffer.from(JSON.stringify(summary));
      }
      pack.entry({ ...header, size: body.length }, body, next);
    });
  });
  extract.on('finish', () => pack.finalize());
  plain.pipe(extract);
  return readAll(pack);
}

describe('test restores into scratch databases (real PostgreSQL, Redis, local disk and an S3 server)', () => {
  let env: TestEnvironment;
  let api: ReturnType<typeof apiOf>;
  const events: DomainEvent[] = [];
  const ring = KeyRing.fromBase64(TEST_ENCRYPTION_KEY);

  const testRestore = async (backupId: string): Promise<TestRestoreBody> => {
    const started = await api.http().post(`/api/super-admin/backups/${backupId}/test-restore`).set(api.admin()).expect(202);
    expect(started.body).toMatchObject({ backupId, status: expect.stringMatching(/PENDING|RUNNING/), scratchDatabase: expect.stringMatching(/^tv_scratch_[0-9a-f]{32}$/) });
    return pollRun<TestRestoreBody>(env, `/api/super-admin/test-restores/${started.body.id}`);
  };
  const eventsOf = (type: string) => events.filter((e) => e.type === type) as Extract<DomainEvent, { testRestoreId: string }>[];

  beforeAll(async () => {
    env = await startTestEnvironment({ s3: true, env: { TEST_RESTORE_SAMPLE: '1' } });
    api = apiOf(env);
    const bus = env.app.get(DomainEvents);
    for (const type of ['test-restore.completed', 'test-restore.failed'] as const) bus.on(type, (e) => void events.push(e));
  });

  afterAll(async () => {
    if (env) await dropScratchOf(env);
    await env?.close();
  });

  it('restores a good tenant backup into a scratch database, records success with row counts, and drops it', async () => {
    const backup = await api.backupAndWait(A);
    const { body: record } = await api.http().get(`/api/super-admin/backups/${backup.id}`).set(api.admin()).expect(200);

    const result = await testRestore(backup.id);

    expect(result).toMatchObject({ status: 'COMPLETED', outcome: 'PASSED', backupType: 'TENANT' });
    expect(result.durationMs).toBeGreaterThan(0);
    const rows = Object.fromEntries(result.tables.map((t) => [t.table, t.restoredRows]));
    expect(rows).toEqual(record.rowCounts);
    expect(result.tables.every((t) => t.ok && t.expectedRows === t.restoredRows)).toBe(true);
    expect(result.rowsRestored).toBe(Object.values(record.rowCounts as Record<string, number>).reduce((a, b) => a + b, 0));
    expect(await databaseExists(result.scratchDatabase)).toBe(false);

    const state = await api.http().get(`/api/super-admin/backups/${backup.id}/test-restore`).set(api.admin()).expect(200);
    expect(state.body).toMatchObject({ backupId: backup.id, testRestoreStatus: 'PASSED', lastTestRestoreAt: expect.any(String), latest: { id: result.id } });
    expect(eventsOf('test-restore.completed')).toEqual([expect.objectContaining({ testRestoreId: result.id, backupId: backup.id, tenantId: A, tables: result.tables.length })]);
  });

  it('records failure and announces it for an archive whose content does not match its summary; nothing is left behind', async () => {
    const good = await api.backupAndWait(B);
    const stored = await readFile(join(env.localPath, good.locations[0].key));
    const tampered = await withEditedSummary(unsealStream(Readable.from([stored]), ring).stream, (summary) => {
      summary.tables['public.customers'].rows += 1;
    });
    const sealed = await readAll(sealStream(Readable.from([tampered]), ring, { kind: 'tenant', tenantId: B }).stream);
    const [bad] = await seedBackups(env, [{ type: BackupType.TENANT, tenantId: B, createdAt: new Date(), body: sealed }]);

    const result = await testRestore(bad.id);

    expect(result).toMatchObject({ status: 'FAILED', outcome: 'FAILED' });
    expect(result.errorMessage).toMatch(/the backup did not restore: .*public\.customers: rows is \d+ but summary\.json recorded \d+/);
    expect(await databaseExists(result.scratchDatabase)).toBe(false);
    expect(eventsOf('test-restore.failed')).toEqual([expect.objectContaining({ testRestoreId: result.id, backupId: bad.id, reason: result.errorMessage })]);
    const state = await api.http().get(`/api/super-admin/backups/${bad.id}/test-restore`).set(api.admin()).expect(200);
    expect(state.body.testRestoreStatus).toBe('FAILED');
  });

  it('verifies a disaster backup as a job, then restores it whole and counts every table against the dump', async () => {
    const created = await api.http().post('/api/super-admin/backups/disaster').set(api.admin()).expect(202);
    const backup = await waitFor<{ id: string; status: string }>('the disaster backup', async () => {
      const { body } = await api.http().get(`/api/super-admin/backups/disaster/${created.body.id}`).set(api.admin()).expect(200);
      return ['COMPLETED', 'FAILED'].includes(body.status) ? body : undefined;
    });
    expect(backup.status).toBe('COMPLETED');
    const verifying = await api.http().post(`/api/super-admin/backups/disaster/${backup.id}/verify`).set(api.admin()).expect(202);
    expect(verifying.body).toMatchObject({ scope: 'BACKUP', backupId: backup.id });
    expect(await pollRun(env, `/api/super-admin/storage/verification/runs/${verifying.body.id}`)).toMatchObject({ status: 'COMPLETED', verified: 1 });

    const result = await testRestore(backup.id);

    expect(result).toMatchObject({ status: 'COMPLETED', outcome: 'PASSED', backupType: 'DISASTER' });
    const platform = new Client({ connectionString: env.platform.url });
    await platform.connect();
    try {
      const { rows } = await platform.query<{ n: number }>('select count(*)::int as n from public.customers');
      // The source's counts at backup time travel on the record (and its sidecar); the dump's own data says the same.
      const { body: record } = await api.http().get(`/api/super-admin/backups/disaster/${backup.id}`).set(api.admin()).expect(200);
      expect(record.rowCounts['public.customers']).toBe(rows[0].n);
      expect(result.tables.find((t) => t.table === 'public.customers')).toMatchObject({ expectedRows: rows[0].n, restoredRows: rows[0].n, sourceRows: rows[0].n, ok: true });
      expect(result.tables.every((t) => t.ok && t.sourceRows === t.restoredRows)).toBe(true);
    } finally {
      await platform.end();
    }
    expect(result.tables.map((t) => t.table)).toEqual(expect.arrayContaining(['public.tenants', 'public.currencies', 'billing.payments']));
    expect(await databaseExists(result.scratchDatabase)).toBe(false);
  });

  it('chooses each day the tenants whose last test restore is oldest, never-tested first', async () => {
    const service = env.app.get(TestRestores);
    const first = await service.scheduleSample();
    // A was tested above and B's newest backup (the tampered one) too; C has never been backed up: the newest disaster backup was already tested.
    expect(first.map((r) => r.tenantId)).toEqual([A]);
    await Promise.all(first.map((r) => pollRun(env, `/api/super-admin/test-restores/${r.id}`)));
    const second = await service.scheduleSample();
    expect(second.map((r) => r.tenantId)).toEqual([B]);
    await Promise.all(second.map((r) => pollRun(env, `/api/super-admin/test-restores/${r.id}`)));
  });

  it('sweeps the scratch database of a test restore whose worker stopped, once its heartbeat is stale and never before', async () => {
    const [backup] = await seedBackups(env, [{ type: BackupType.TENANT, tenantId: A, createdAt: new Date() }]);
    // What a killed worker leaves: its run RUNNING with a last heartbeat, and its scratch database.
    const em = env.app.get(EntityManager).fork();
    const run = TestRestore.request({ id: backup.id, type: BackupType.TENANT, tenantId: A }, 'test-admin');
    run.start();
    await em.persistAndFlush(run);
    await withAdminClient((c) => c.query(`CREATE DATABASE "${run.scratchDatabase}"`));
    const sweeper = env.app.get(RetentionSweeper);

    const early = await sweeper.sweep(new Date(Date.now() + env.config.queues.stallLimitMs - 10_000));
    expect(early.droppedScratch).toEqual([]);
    expect(await databaseExists(run.scratchDatabase)).toBe(true);

    const late = await sweeper.sweep(new Date(Date.now() + env.config.queues.stallLimitMs + 10_000));
    expect(late.ended).toEqual([expect.objectContaining({ kind: 'test-restore', id: run.id })]);
    expect(late.droppedScratch).toEqual([run.scratchDatabase]);
    expect(await databaseExists(run.scratchDatabase)).toBe(false);
    const { body } = await api.http().get(`/api/super-admin/test-restores/${run.id}`).set(api.admin()).expect(200);
    expect(body).toMatchObject({ status: RunStatus.FAILED, outcome: 'FAILED', errorMessage: expect.stringMatching(/^swept: its worker stopped/) });
    expect(eventsOf('test-restore.failed').map((e) => e.testRestoreId)).toContain(run.id);
  });

  it('answers 404 for unknown backups and runs, 409 for a deleted backup, 403 for a tenant', async () => {
    await api.http().post('/api/super-admin/backups/0f9c3c0e-5b6e-4c1e-9d7a-2b1f0c9e8d7a/test-restore').set(api.admin()).expect(404);
    await api.http().get('/api/super-admin/test-restores/0f9c3c0e-5b6e-4c1e-9d7a-2b1f0c9e8d7a').set(api.admin()).expect(404);
    const bad = await api.http().get('/api/super-admin/test-restores/x').set(api.admin()).expect(400);
    expect(bad.body.message).toContain('testRestoreId');
    const [gone] = await seedBackups(env, [{ type: BackupType.TENANT, tenantId: A, createdAt: new Date() }]);
    await env.app.get(EntityManager).fork().getConnection().execute(`update backup_records set status = 'DELETED' where id = ?`, [gone.id]);
    await api.http().post(`/api/super-admin/backups/${gone.id}/test-restore`).set(api.admin()).expect(409);
    await api.http().post(`/api/super-admin/backups/${gone.id}/test-restore`).set({ Authorization: `Bearer ${env.tenantToken(A)}` }).expect(403);
  });
});

describe('a worker killed in the middle of a test restore, and started again', () => {
  let env: TestEnvironment;
  let api: ReturnType<typeof apiOf>;
  let platform: Client;
  const workers: ChildProcess[] = [];

  /** The service as its own process (APP_ROLE=worker) on this environment's databases, queues and storage. */
  function startWorker(): ChildProcess {
    const child = spawn(process.execPath, ['-e', "require('ts-node').register({ swc: true, transpileOnly: true }); require('./src/main.ts')"], {
      cwd: join(__dirname, '../..'),
      env: { PATH: process.env.PATH ?? '', ...env.variables, APP_ROLE: 'worker' },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    workers.push(child);
    return child;
  }

  beforeAll(async () => {
    // This process only serves the API: the work happens in the worker processes the test starts and kills.
    env = await startTestEnvironment({ env: { APP_ROLE: 'api', JOB_STALLED_CHECK_SECONDS: '1' } });
    api = apiOf(env);
    platform = new Client({ connectionString: env.platform.url });
    await platform.connect();
  });

  afterAll(async () => {
    for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
    await platform?.query('ROLLBACK').catch(() => undefined);
    await platform?.end();
    if (env) await dropScratchOf(env);
    await env?.close();
  });

  it('leaves no scratch database: the sweep keeps a live one, and the restarted worker drops the leftover and finishes', async () => {
    const first = startWorker();
    const backup = await api.backupAndWait(A);
    // The schema dump waits behind this lock, with the scratch database already created: the worker is killed there.
    await platform.query('BEGIN');
    await platform.query('LOCK TABLE customers IN ACCESS EXCLUSIVE MODE');
    const started = await api.http().post(`/api/super-admin/backups/${backup.id}/test-restore`).set(api.admin()).expect(202);
    const scratch: string = started.body.scratchDatabase;
    await waitFor('the scratch database to be created', () => databaseExists(scratch));
    first.kill('SIGKILL');
    await new Promise((resolve) => (first.exitCode !== null || first.signalCode !== null ? resolve(undefined) : first.once('exit', resolve)));
    await platform.query('ROLLBACK');

    // Its run looks alive (heartbeat fresh): nothing is swept yet.
    const report = await env.app.get(RetentionSweeper).sweep();
    expect(report.droppedScratch).toEqual([]);
    expect(await databaseExists(scratch)).toBe(true);
    expect((await api.http().get(`/api/super-admin/test-restores/${started.body.id}`).set(api.admin()).expect(200)).body.status).toBe('RUNNING');

    // Started again, a worker takes the job back once the killed one's lock has expired, and starts over.
    startWorker();
    const result = await pollRun<TestRestoreBody>(env, `/api/super-admin/test-restores/${started.body.id}`);
    expect(result).toMatchObject({ status: 'COMPLETED', outcome: 'PASSED', scratchDatabase: scratch });
    expect(await databaseExists(scratch)).toBe(false);
  });
});
