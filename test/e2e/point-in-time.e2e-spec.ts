import { randomBytes } from 'node:crypto';
import { chown, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import { DEMO_TENANTS, seedDemoPlatform } from '../../libs/demo-platform';
import { parseLsn, segmentFileName } from '../../libs/pitr';
import { DomainEvents } from '../../src/common/domain-events';
import { LocalFsAdapter, S3CompatibleAdapter, StoragePort, walFileKey, walSidecarKey } from '../../libs/storage';
import { RetentionRunner } from '../../src/modules/retention';
import { apiOf } from '../support/api';
import { runCli } from '../support/backup-files';
import { CLUSTER_OS_USER, osUserIds, postgresOwnedDir, serversUnder, startTestCluster, stopServerAt, sweepTestClusters, TestCluster } from '../support/pg-cluster';
import { startS3Server, S3TestServer } from '../support/s3-server';
import { freePort } from '../support/service-process';
import { tableContentHashes } from '../support/table-hashes';
import { createTestDatabase } from '../support/test-database';
import { startTestEnvironment, TEST_ENCRYPTION_KEY, TestEnvironment } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const CLI = join(__dirname, '../../dist/src/cli.js');
const A = DEMO_TENANTS.A.id;
const B = DEMO_TENANTS.B.id;
/** A tenant created after T1: a point-in-time restore of it to T1 fails after the scratch cluster is up. */
const LATE = '44444444-4444-4444-8444-444444444444';

jest.setTimeout(300_000);

/**
 * Point-in-time recovery against a PostgreSQL cluster of the test's own (initdb, archive_mode on, archive_command
 * calling the built CLI's `wal push`), an S3 server as the primary provider and a local directory as the secondary.
 * The steps build on each other: a base backup, writes around a noted instant T1, recoveries to T1 (the platform, one
 * tenant), provider outages and lost segments, verification, retention and a catalog rebuild.
 */
describe('point-in-time recovery (own PostgreSQL cluster with WAL archiving, S3 primary, local secondary)', () => {
  let s3: S3TestServer;
  let cluster: TestCluster;
  let env: TestEnvironment;
  let api: ReturnType<typeof apiOf>;
  let storageDir: string;
  let scratchDir: string;
  let primary: S3CompatibleAdapter;
  let secondary: LocalFsAdapter;
  /** The storage and key variables, as the archive_command's env file holds them. */
  let walEnv: Record<string, string>;
  const recovered: string[] = [];

  const platformQuery = <T extends object = Record<string, unknown>>(sql: string, params: unknown[] = []) => cluster.query<T>('platform', sql, params);
  const hashesOf = async (url: string, tenantId?: string) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return await tableContentHashes(client, tenantId ? { tenantId } : {});
    } finally {
      await client.end();
    }
  };
  const archivedAt = async (adapter: StoragePort, file: string) => (await adapter.head(walFileKey(file))) !== null && (await adapter.head(walSidecarKey(file))) !== null;
  const walFiles = async (adapter: StoragePort) => {
    const names: string[] = [];
    for await (const info of adapter.list('wal/')) if (!info.key.endsWith('.manifest.json')) names.push(info.key.split('/').pop()!);
    return names.sort();
  };
  const scratchLeftovers = async () => (await readdir(scratchDir).catch(() => [] as string[])).filter((n) => n.startsWith('tv-pitr-'));

  beforeAll(async () => {
    await sweepTestClusters();
    s3 = await startS3Server();
    const port = await freePort();
    const source = `postgresql://postgres@127.0.0.1:${port}/platform`;
    const ids = await osUserIds();
    let root = '';
    cluster = await startTestCluster({
      port,
      walSegmentMb: 1,
      settings: (r) => ({
        wal_level: 'replica',
        archive_mode: 'on',
        archive_command: `'${process.execPath} ${CLI} wal push %p --env-file ${join(r, 'wal.env')}'`,
        archive_timeout: '60',
        max_wal_senders: '4',
      }),
      beforeStart: async (r) => {
        root = r;
        storageDir = await postgresOwnedDir(join(r, 'storage'));
        // The local provider's temporary uploads: written by wal push (postgres) and by the service (root) alike.
        await postgresOwnedDir(join(storageDir, '.partial'));
        scratchDir = join(r, 'scratch');
        walEnv = {
          BACKUP_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
          STORAGE_PROVIDERS: 'b2,local',
          LOCAL_STORAGE_PATH: storageDir,
          B2_ENDPOINT_URL: s3.endpoint,
          B2_BUCKET_NAME: s3.bucket,
          B2_ACCESS_KEY_ID: s3.accessKeyId,
          B2_SECRET_ACCESS_KEY: s3.secretAccessKey,
          B2_REGION: s3.region,
        };
        env = await startTestEnvironment({ env: { ...walEnv, SOURCE_DATABASE_URL: source, PITR_SCRATCH_DIR: scratchDir, PITR_OS_USER: CLUSTER_OS_USER, PITR_RETENTION_DAYS: '7' } });
        api = apiOf(env);
        // The archive_command's environment, readable by the postgres OS user only; DATABASE_URL: wal push records each file.
        const file = join(r, 'wal.env');
        await writeFile(file, Object.entries({ ...walEnv, DATABASE_URL: env.catalog.url }).map(([k, v]) => `${k}='${v}'`).join('\n'), { mode: 0o600 });
        await chown(file, ids.uid, ids.gid);
      },
    });
    expect(root).toBe(cluster.root);
    await cluster.query('postgres', 'create database platform');
    const client = new Client({ connectionString: source });
    await client.connect();
    await seedDemoPlatform(client);
    await client.end();
    primary = new S3CompatibleAdapter({ name: 'b2', endpoint: s3.endpoint, region: s3.region, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });
    secondary = new LocalFsAdapter(storageDir);
    await cluster.switchAndArchive();
  });

  afterAll(async () => {
    for (const dataDir of recovered) await stopServerAt(dataDir);
    await s3?.start().catch(() => undefined);
    await env?.close();
    await cluster?.remove();
    await s3?.dispose();
    primary?.destroy();
  });

  let baseId: string;
  let t1: Date;
  let platformAtT1: Awaited<ReturnType<typeof hashesOf>>;
  let tenantAAtT1: Awaited<ReturnType<typeof hashesOf>>;
  let tenantBLater: Awaited<ReturnType<typeof hashesOf>>;

  it('archives every WAL file at both providers, sealed, and records it in the catalog', async () => {
    const file = await cluster.switchAndArchive();
    expect(await archivedAt(primary, file)).toBe(true);
    expect(await archivedAt(secondary, file)).toBe(true);
    const stored = await stat(join(storageDir, walFileKey(file)));
    expect(stored.size).toBeGreaterThan(0);
    // Sealed: the object is an envelope, not the segment.
    const head = Buffer.alloc(4);
    const handle = await open(join(storageDir, walFileKey(file)), 'r');
    await handle.read(head, 0, 4, 0);
    await handle.close();
    expect(head.toString('ascii')).toBe('TVBK');
    const rows = await api.catalogQuery<{ providers: string[] }>('select providers from wal_segments where name = $1', [file]);
    expect(rows).toEqual([{ providers: ['b2', 'local'] }]);
  });

  it('takes a base backup through the API: sealed at both providers, with its WAL range beside it', async () => {
    const created = await api.http().post('/api/super-admin/backups/base').set(api.admin()).expect(202);
    expect(created.body).toMatchObject({ type: 'BASE', status: 'PENDING' });
    await api.http().post('/api/super-admin/backups/base').set(api.admin()).expect(409);
    const done = await api.waitForBackup(created.body.id, `/api/super-admin/backups/base/${created.body.id}`);
    expect(done).toMatchObject({ status: 'COMPLETED' });
    baseId = done.id;
    expect(done.locations.map((l) => [l.provider, l.status])).toEqual([['b2', 'STORED'], ['local', 'STORED']]);
    const { body } = await api.http().get(`/api/super-admin/backups/base/${baseId}`).set(api.admin()).expect(200);
    expect(body.walRange).toMatchObject({ timeline: 1, startLsn: expect.stringMatching(/^[0-9A-F]+\/[0-9A-F]+$/), walSegmentSize: 1024 * 1024 });
    const rangeKey = done.locations[0].key.replace(/\.tvb$/, '.pitr.json');
    await waitFor('the WAL range sidecars', async () => (await primary.head(rangeKey)) !== null && (await secondary.head(rangeKey)) !== null);
    const listed = await api.http().get('/api/super-admin/backups/base').set(api.admin()).expect(200);
    expect(listed.body.items.map((i: { id: string }) => i.id)).toEqual([baseId]);
  });

  it('notes T1 between writes, then damage: tenant A damaged, B and a new tenant written, a table dropped', async () => {
    await platformQuery('create table notes (id int primary key, body text not null)');
    await platformQuery(`insert into notes values (1, 'before T1'), (2, 'also before T1')`);
    await platformQuery(`insert into users (tenant_id, email, display_name, created_at) values ($1, 'pitr-a@acme.test', 'Before T1', now()), ($2, 'pitr-b@globex.test', 'Before T1', now())`, [A, B]);
    // T1: after those commits, rounded up to the millisecond; the next writes wait until the clock has passed it.
    const [{ at }] = await platformQuery<{ at: Date }>(`select date_trunc('milliseconds', clock_timestamp()) + interval '1 millisecond' as at`);
    t1 = new Date(at);
    platformAtT1 = await hashesOf(cluster.url('platform'));
    tenantAAtT1 = await hashesOf(cluster.url('platform'), A);
    await waitFor('the clock to pass T1', async () => (await platformQuery<{ past: boolean }>('select clock_timestamp() > $1::timestamptz as past', [t1]))[0].past);

    await platformQuery(`insert into notes values (3, 'after T1')`);
    await platformQuery(`update users set display_name = 'DAMAGED', bio = null where tenant_id = $1`, [A]);
    await platformQuery(`update customers set name = 'DAMAGED' where tenant_id = $1`, [A]);
    await platformQuery(`insert into users (tenant_id, email, display_name, created_at) values ($1, 'late-b@globex.test', 'After T1', now())`, [B]);
    await platformQuery(`insert into tenants (id, slug, name, status, home_currency, created_at) values ($1, 'late', 'Late GmbH', 'active', 'EUR', now())`, [LATE]);
    await platformQuery('drop table notes');
    tenantBLater = await hashesOf(cluster.url('platform'), B);
    await cluster.switchAndArchive();
    expect(tenantBLater).not.toEqual(await hashesOf(cluster.url('platform'), A));
  });

  it('recovers the platform to T1 through the API: the content hashes are those at T1', async () => {
    const dataDir = join(cluster.root, 'recovered-api');
    const port = await freePort();
    const before = await api.http().post('/api/super-admin/restore/disaster/pitr').set(api.admin()).send({ targetTime: '2020-01-01T00:00:00Z', dataDir, confirm: true }).expect(400);
    expect(before.body.message).toMatch(/not covered.*archive covers \d{4}-.* to \d{4}-/);
    await api.http().post('/api/super-admin/restore/disaster/pitr').set(api.admin()).send({ targetTime: t1.toISOString(), dataDir: 'relative/dir', confirm: true }).expect(400);
    await api.http().post('/api/super-admin/restore/disaster/pitr').set(api.admin()).send({ targetTime: t1.toISOString(), dataDir }).expect(400);

    const created = await api.http().post('/api/super-admin/restore/disaster/pitr').set(api.admin()).send({ targetTime: t1.toISOString(), dataDir, port, confirm: true }).expect(202);
    recovered.push(dataDir);
    const done = await waitFor('the platform recovery', async () => {
      const { body } = await api.http().get(`/api/super-admin/restore/disaster/pitr/${created.body.id}`).set(api.admin()).expect(200);
      return ['COMPLETED', 'FAILED'].includes(body.status) ? body : undefined;
    }, 180_000);
    expect(done).toMatchObject({ status: 'COMPLETED', progress: 100, phase: 'target reached', baseBackupId: baseId, port });
    expect(await hashesOf(`postgresql://postgres@127.0.0.1:${port}/platform`)).toEqual(platformAtT1);
    // Promoted, and not archiving into the platform's archive.
    const recoveredDb = new Client({ connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres` });
    await recoveredDb.connect();
    const { rows } = await recoveredDb.query<{ recovering: boolean; archiving: string }>(`select pg_is_in_recovery() as recovering, current_setting('archive_mode') as archiving`);
    await recoveredDb.end();
    expect(rows).toEqual([{ recovering: false, archiving: 'off' }]);
    await stopServerAt(dataDir);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('recovers it with the CLI alone, reading a segment the primary lost from the secondary', async () => {
    // The first segment the base backup needs disappears from the S3 bucket.
    const [{ start_lsn: startLsn }] = await api.catalogQuery<{ start_lsn: string }>('select start_lsn from base_backup_ranges where backup_id = $1', [baseId]);
    const file = segmentFileName(1, parseLsn(startLsn), 1024 * 1024);
    expect(await archivedAt(primary, file)).toBe(true);
    await primary.delete(walSidecarKey(file));
    await primary.delete(walFileKey(file));
    const fetched = join(cluster.root, 'fetched-segment');
    await runCli(['wal', 'fetch', file, fetched], walEnv);
    expect((await stat(fetched)).size).toBe(1024 * 1024);

    const refused = await runCli(['dr', 'restore', '--target-time', '2020-01-01T00:00:00Z', '--data-dir', join(cluster.root, 'never')], walEnv).catch((error: { stderr: string; code: number }) => error);
    expect(refused).toMatchObject({ code: 1 });
    expect((refused as { stderr: string }).stderr).toMatch(/not covered: it is before the oldest base backup; the archive covers/);

    const dataDir = join(cluster.root, 'recovered-cli');
    const port = await freePort();
    recovered.push(dataDir);
    const { stdout } = await runCli(['dr', 'restore', '--target-time', t1.toISOString(), '--data-dir', dataDir, '--port', String(port), '--actor', 'pitr-test'], walEnv);
    expect(stdout).toContain(`recovered the platform to ${t1.toISOString()}`);
    expect(stdout).toContain(`from base backup ${baseId}`);
    expect(await hashesOf(`postgresql://postgres@127.0.0.1:${port}/platform`)).toEqual(platformAtT1);
    await stopServerAt(dataDir);
    await rm(dataDir, { recursive: true, force: true });
    // The restore_command's env file (the platform secret) is gone once recovery is over.
    expect((await readdir(cluster.root)).filter((n) => n.includes('tenantvault-wal.env'))).toEqual([]);
  });

  it('reports the continuous range with the restore points, and refuses a tenant restore outside it naming the range', async () => {
    const { body } = await api.http().get(`/api/super-admin/restore/points/${A}`).set(api.admin()).expect(200);
    expect(new Date(body.continuous.from).getTime()).toBeLessThanOrEqual(t1.getTime());
    expect(new Date(body.continuous.to).getTime()).toBeGreaterThanOrEqual(t1.getTime());
    expect(body.continuous).toMatchObject({ baseBackups: 1, gaps: [] });

    const early = await api.http().post('/api/super-admin/restore/tenant').set(api.admin()).send({ tenantId: A, targetTime: '2020-01-01T00:00:00Z' }).expect(400);
    expect(early.body.message).toMatch(/targetTime 2020-01-01T00:00:00.000Z is not covered: it is before the oldest base backup; the archive covers/);
    const both = await api.http().post('/api/super-admin/restore/tenant').set(api.admin()).send({ tenantId: A, targetTime: t1.toISOString(), backupId: baseId }).expect(400);
    expect(both.body.message).toMatch(/targetTime cannot be combined with backupId/);
    const neither = await api.http().post('/api/super-admin/restore/tenant').set(api.admin()).send({ tenantId: A }).expect(400);
    expect(neither.body.message).toMatch(/backupId must be a UUID \(or give targetTime instead/);
    await api.http().post('/api/super-admin/restore/tenant').set(api.admin()).send({ tenantId: A, targetTime: 'yesterday' }).expect(400);
  });

  it('restores tenant A to T1 in the live platform: A as at T1, B keeps its later writes, a PRE_RESTORE snapshot, no scratch cluster left', async () => {
    const created = await api.http().post('/api/super-admin/restore/tenant').set(api.admin()).send({ tenantId: A, targetTime: t1.toISOString() }).expect(202);
    const phases = new Set<string>();
    const done = await waitFor('the point-in-time restore of A', async () => {
      const { body } = await api.http().get(`/api/super-admin/restore/${created.body.id}`).set(api.admin()).expect(200);
      if (body.phase) phases.add(body.phase.replace(/: .*$/, ''));
      return ['COMPLETED', 'FAILED', 'PARTIAL'].includes(body.status) ? body : undefined;
    }, 180_000, 50);
    expect(done).toMatchObject({ status: 'COMPLETED', progress: 100, tenantId: A, backupId: baseId, targetTime: t1.toISOString(), phase: 'restored' });
    expect([...phases].some((p) => p.startsWith(`recovering the platform to ${t1.toISOString()} in a scratch cluster`))).toBe(true);

    expect(await hashesOf(cluster.url('platform'), A)).toEqual(tenantAAtT1);
    expect(await hashesOf(cluster.url('platform'), B)).toEqual(tenantBLater);
    const snapshot = await api.http().get(`/api/super-admin/backups/${done.preRestoreBackupId}`).set(api.admin()).expect(200);
    expect(snapshot.body).toMatchObject({ type: 'PRE_RESTORE', tenantId: A, status: 'COMPLETED' });
    expect(await scratchLeftovers()).toEqual([]);
    expect(await serversUnder(scratchDir)).toEqual([]);
  });

  it('a point-in-time restore that fails after the scratch cluster is up leaves no cluster and no directory, and the tenant as it was', async () => {
    const before = await hashesOf(cluster.url('platform'), LATE);
    const created = await api.http().post('/api/super-admin/restore/tenant').set(api.admin()).send({ tenantId: LATE, targetTime: t1.toISOString() }).expect(202);
    const done = await waitFor('the failing restore', async () => {
      const { body } = await api.http().get(`/api/super-admin/restore/${created.body.id}`).set(api.admin()).expect(200);
      return ['COMPLETED', 'FAILED'].includes(body.status) ? body : undefined;
    }, 180_000);
    expect(done.status).toBe('FAILED');
    expect(done.errorMessage).toContain(`tenant ${LATE} did not exist at ${t1.toISOString()}`);
    expect(done.backupId).toBe(baseId);
    expect(await scratchLeftovers()).toEqual([]);
    expect(await serversUnder(scratchDir)).toEqual([]);
    expect(await hashesOf(cluster.url('platform'), LATE)).toEqual(before);
  });

  it('exports the age of the newest archived segment (the RPO) in /metrics', async () => {
    const { text } = await api.http().get('/metrics').expect(200);
    const age = Number(/^tenantvault_wal_archive_age_seconds (\S+)$/m.exec(text)?.[1]);
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(600);
    expect(text).toMatch(/^tenantvault_metrics_part_up\{part="wal"\} 1$/m);
  });

  it('wal push with the primary down exits non-zero so PostgreSQL retries; once it is back, the segment is stored and nothing is lost', async () => {
    // Straight from the CLI: a file of another timeline, so that it cannot collide with the cluster's.
    const file = join(cluster.root, '0000007F0000000000000001');
    await writeFile(file, randomBytes(64 * 1024));
    await s3.stop();
    const down = await runCli(['wal', 'push', file], walEnv).catch((error: { code: number; stderr: string }) => error);
    expect(down).toMatchObject({ code: 1 });
    expect((down as { stderr: string }).stderr).toMatch(/is not stored at the primary provider b2/);
    expect(await archivedAt(secondary, '0000007F0000000000000001')).toBe(true);

    // Through PostgreSQL: its archiver retries the failed segment.
    const [{ failed: failedBefore }] = await cluster.query<{ failed: number }>('postgres', 'select failed_count::int as failed from pg_stat_archiver');
    await platformQuery(`insert into users (tenant_id, email, display_name, created_at) values ($1, 'outage@globex.test', 'During the outage', now())`, [B]);
    const [{ file: during }] = await cluster.query<{ file: string }>('postgres', 'select pg_walfile_name(pg_switch_wal()) as file');
    await waitFor('the archiver to fail', async () => (await cluster.query<{ failed: number }>('postgres', 'select failed_count::int as failed from pg_stat_archiver'))[0].failed > failedBefore, 60_000);
    // What could be stored is: at the secondary.
    expect(await archivedAt(secondary, during)).toBe(true);
    await s3.start();
    await runCli(['wal', 'push', file], walEnv);
    expect(await archivedAt(primary, '0000007F0000000000000001')).toBe(true);
    const after = await cluster.switchAndArchive(120_000);
    for (const name of [during, after]) {
      expect(await archivedAt(primary, name)).toBe(true);
      expect(await archivedAt(secondary, name)).toBe(true);
    }
    await primary.delete(walSidecarKey('0000007F0000000000000001'));
    await primary.delete(walFileKey('0000007F0000000000000001'));
    await secondary.delete(walSidecarKey('0000007F0000000000000001'));
    await secondary.delete(walFileKey('0000007F0000000000000001'));
  });

  it('verification reports a segment missing at both providers as a gap, and recovery past it is refused with a clear message', async () => {
    const onPrimary = await walFiles(primary);
    const segments = onPrimary.filter((n) => /^[0-9A-F]{24}$/.test(n));
    const lost = segments[segments.length - 2];
    await primary.delete(walSidecarKey(lost));
    await primary.delete(walFileKey(lost));
    await secondary.delete(walSidecarKey(lost));
    await secondary.delete(walFileKey(lost));
    // And the oldest archived file only at the secondary: a degraded copy, not a gap.
    const degraded = segments[0];
    await secondary.delete(walSidecarKey(degraded));
    await secondary.delete(walFileKey(degraded));
    await cluster.switchAndArchive();

    const started = await api.http().post('/api/super-admin/storage/verify').set(api.admin()).expect(202);
    const verified = await waitFor('the verification run', async () => {
      const { body } = await api.http().get(`/api/super-admin/storage/verification/runs/${started.body.id}`).set(api.admin()).expect(200);
      return ['COMPLETED', 'FAILED'].includes(body.status) ? body : undefined;
    }, 120_000);
    expect(verified.status).toBe('COMPLETED');
    const chain = verified.walChain.bases.find((b: { baseBackupId: string }) => b.baseBackupId === baseId);
    expect(chain.gaps).toEqual([{ first: lost, last: lost, count: 1 }]);
    await env.app.get(DomainEvents).settled();
    const alerts = await api.http().get('/api/super-admin/alerts?type=INTEGRITY_FAILURE').set(api.admin()).expect(200);
    expect(alerts.body.items.some((a: { message: string }) => a.message.includes(`WAL gap: ${lost} missing at every provider`))).toBe(true);
    expect(verified.walChain.incomplete).toContainEqual({ file: degraded, missingAt: ['local'] });
    const degradedAlerts = await api.http().get('/api/super-admin/alerts?type=REDUNDANCY_DEGRADED').set(api.admin()).expect(200);
    expect(degradedAlerts.body.items.some((a: { message: string }) => a.message.includes('archived WAL files are missing here'))).toBe(true);

    const now = new Date(Date.now() - 1000).toISOString();
    const refused = await api.http().post('/api/super-admin/restore/tenant').set(api.admin()).send({ tenantId: B, targetTime: now }).expect(400);
    expect(refused.body.message).toContain(`WAL segment ${lost} is missing at every provider, so recovery cannot go past`);
    const cli = await runCli(['dr', 'restore', '--target-time', now, '--data-dir', join(cluster.root, 'never')], walEnv).catch((error: { code: number; stderr: string }) => error);
    expect(cli).toMatchObject({ code: 1 });
    expect((cli as { stderr: string }).stderr).toContain(`WAL segment ${lost} is missing at every provider`);
  });

  it('retention keeps every WAL segment a kept base backup needs and deletes the older ones with the base backup that needed them', async () => {
    const created = await api.http().post('/api/super-admin/backups/base').set(api.admin()).expect(202);
    const second = await api.waitForBackup(created.body.id, `/api/super-admin/backups/base/${created.body.id}`);
    expect(second.status).toBe('COMPLETED');
    const [{ start_lsn: startLsn }] = await api.catalogQuery<{ start_lsn: string }>('select start_lsn from base_backup_ranges where backup_id = $1', [second.id]);
    const later = new Date(Date.now() + 30 * 86_400_000);
    const retention = env.app.get(RetentionRunner);
    const dry = await retention.dryRun('pitr-test', later);
    expect(dry.decisions!.candidates.filter((c) => c.type === 'BASE').map((c) => c.backupId)).toEqual([baseId]);
    expect(dry.decisions!.kept.find((k) => k.backupId === second.id)!.reasons.join(' ')).toMatch(/start of the point-in-time window/);
    expect(dry.decisions!.wal).toMatchObject({ keepFrom: expect.stringContaining(startLsn) });
    const wouldDelete = dry.decisions!.wal!.deleted;
    expect(wouldDelete).toBeGreaterThan(0);

    const [{ key: baseKey }] = await api.catalogQuery<{ key: string }>('select key from backup_locations where backup_id = $1 limit 1', [baseId]);
    const filesBefore = await walFiles(secondary);
    const done = await retention.execute(undefined, later);
    expect(done!.decisions!.wal!.deleted).toBe(wouldDelete);
    const [{ status }] = await api.catalogQuery<{ status: string }>('select status from backup_records where id = $1', [baseId]);
    expect(status).toBe('DELETED');
    for (const key of [baseKey, baseKey.replace(/\.tvb$/, '.manifest.json'), baseKey.replace(/\.tvb$/, '.pitr.json')]) {
      expect(await secondary.head(key)).toBeNull();
      expect(await primary.head(key)).toBeNull();
    }
    const filesAfter = await walFiles(secondary);
    expect(filesAfter.length).toBeLessThan(filesBefore.length);
    const segmentSize = 1024 * 1024;
    const lsn = (name: string) => BigInt(`0x${name.slice(8, 16)}`) * 2n ** 32n + BigInt(`0x${name.slice(16, 24)}`) * BigInt(segmentSize);
    const [high, low] = startLsn.split('/').map((h) => BigInt(`0x${h}`));
    const needed = ((high * 2n ** 32n + low) / BigInt(segmentSize)) * BigInt(segmentSize);
    for (const name of filesAfter.filter((n) => /^[0-9A-F]{24}$/.test(n))) expect(lsn(name) + BigInt(segmentSize) > needed).toBe(true);
    expect(filesAfter.some((n) => /^[0-9A-F]{24}$/.test(n) && lsn(n) === needed)).toBe(true);
    expect(await archivedAt(primary, filesAfter.find((n) => /^[0-9A-F]{24}$/.test(n) && lsn(n) === needed)!)).toBe(true);
  });

  it('catalog rebuild recovers the base backups, their WAL ranges and the WAL archive from the buckets', async () => {
    const catalog = await createTestDatabase(undefined, 'pitr_rebuild');
    try {
      const { stdout } = await runCli(['catalog', 'rebuild', '--actor', 'pitr-test'], { ...walEnv, DATABASE_URL: catalog.url });
      expect(stdout).toMatch(/b2: \d+ base backup WAL ranges recorded, \d+ archived WAL files found/);
      const rebuilt = new Client({ connectionString: catalog.url });
      await rebuilt.connect();
      try {
        const bases = (await rebuilt.query<{ id: string }>(`select b.id from backup_records b join base_backup_ranges r on r.backup_id = b.id where b.type = 'BASE'`)).rows.map((r) => r.id);
        const live = await api.catalogQuery<{ id: string }>(`select id from backup_records where type = 'BASE' and status = 'COMPLETED'`);
        expect(bases.sort()).toEqual(live.map((r) => r.id).sort());
        const walRows = (await rebuilt.query<{ name: string; providers: string[] }>('select name, providers from wal_segments order by name')).rows;
        expect(walRows.map((r) => r.name)).toEqual(await walFiles(secondary));
        expect(walRows.every((r) => r.providers.length === 2)).toBe(true);
      } finally {
        await rebuilt.end();
      }
    } finally {
      await catalog.drop();
    }
  });
});
