import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { EntityManager } from '@mikro-orm/postgresql';
import { DEMO_TENANTS } from '../../libs/demo-platform';
import { LocalFsAdapter, S3CompatibleAdapter, sidecarKeyFor, tenantBackupKey } from '../../libs/storage';
import { DomainEvent, DomainEvents } from '../../src/common/domain-events';
import { BackupType } from '../../src/modules/backups';
import { StorageScan, StorageScans } from '../../src/modules/retention';
import { S3TestServer, startS3Server } from '../support/s3-server';
import { startTestEnvironment, TestEnvironment } from '../support/test-app';
import { waitFor } from '../support/wait-for';
import { apiOf } from '../support/api';
import { listKeys, localAdapter, pollRun, s3Adapter, seedBackups, SyntheticBackup } from './retention-fixtures';

const A = DEMO_TENANTS.A.id;
const B = DEMO_TENANTS.B.id;
const HOUR = 3_600_000;
const MIB = 1024 * 1024;

interface ScanBody {
  id: string;
  status: string;
  dryRun: boolean;
  providers: { provider: string; orphanObjects?: number; orphanBytes?: number; incompleteUploads?: number; unknownToCatalog?: number; objects?: number; bytes?: number; error?: string }[];
  removed: string[];
  flagged: { backupId: string; reason: string }[];
}

describe('orphan sweep and storage status (real PostgreSQL, Redis, local disk and an S3 server with multipart listing)', () => {
  let s3Server: S3TestServer;
  let env: TestEnvironment;
  let api: ReturnType<typeof apiOf>;
  let local: LocalFsAdapter;
  let s3: S3CompatibleAdapter;
  let live: SyntheticBackup[];
  let failed: SyntheticBackup;
  let deleted: SyntheticBackup;
  let vanished: SyntheticBackup;
  const orphanKey = tenantBackupKey(A, randomUUID(), new Date());
  const unknownKey = tenantBackupKey(B, randomUUID(), new Date());
  const events: DomainEvent[] = [];

  const provider = (scan: ScanBody, name: string) => scan.providers.find((p) => p.provider === name)!;
  /** A sweep as the daily job runs it, at an instant the test chooses. */
  const sweepAt = async (dryRun: boolean, now: Date): Promise<ScanBody> => {
    const scan = StorageScan.sweep(dryRun, env.config.maintenance.orphanGraceHours, 'test-admin');
    await env.app.get(EntityManager).fork().persistAndFlush(scan);
    await env.app.get(StorageScans).execute(scan.id, now);
    return (await api.http().get(`/api/super-admin/storage/scans/${scan.id}`).set(api.admin()).expect(200)).body;
  };
  const sweepNow = async (dryRun: boolean): Promise<ScanBody> => {
    const started = await api.http().post(`/api/super-admin/storage/sweep?dryRun=${dryRun}`).set(api.admin()).expect(202);
    expect(started.body).toMatchObject({ kind: 'SWEEP', dryRun, graceHours: 24 });
    return pollRun<ScanBody>(env, `/api/super-admin/storage/scans/${started.body.id}`);
  };
  const uploadsAtS3 = () => s3.listIncomplete(new Date(Date.now() + 100 * HOUR));
  const collect = async <T>(items: AsyncIterable<T>) => {
    const all: T[] = [];
    for await (const item of items) all.push(item);
    return all;
  };

  /**
   * A process that writes like a worker and is killed with SIGKILL mid-way: one object put to both providers whose
   * record and sidecar it never got to write, then a local put and an S3 multipart put, each stopped half-way.
   */
  async function killedUploads(): Promise<void> {
    const b2 = env.config.storage.b2!;
    const script = `
      require('ts-node').register({ swc: true, transpileOnly: true });
      const { PassThrough, Readable } = require('node:stream');
      const { LocalFsAdapter, S3CompatibleAdapter } = require(${JSON.stringify(join(__dirname, '../../libs/storage'))});
      const local = new LocalFsAdapter(process.env.TV_ROOT);
      const s3 = new S3CompatibleAdapter({ name: 'b2', ...JSON.parse(process.env.TV_S3), partSize: ${5 * MIB} });
      (async () => {
        const orphan = Buffer.alloc(1000, 1);
        await local.put(process.env.TV_ORPHAN, Readable.from([orphan]));
        await s3.put(process.env.TV_ORPHAN, Readable.from([orphan]));
        const toLocal = new PassThrough();
        toLocal.write(Buffer.alloc(64 * 1024, 2));
        local.put('tenants/${A}/2026/01/00000000-0000-4000-8000-000000000001.tvb', toLocal);
        const toS3 = new PassThrough();
        toS3.write(Buffer.alloc(${5 * MIB + 1}, 3)); // more than a part: a multipart upload, its first part sent
        s3.put('tenants/${A}/2026/01/00000000-0000-4000-8000-000000000002.tvb', toS3);
        setInterval(() => undefined, 1 << 30);
      })().catch((err) => { console.error(err); process.exit(1); });`;
    const child = spawn(process.execPath, ['-e', script], {
      cwd: join(__dirname, '../..'),
      env: { ...process.env, TV_ROOT: env.localPath, TV_ORPHAN: orphanKey, TV_S3: JSON.stringify(b2), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const uploads = join(s3Server.directory, s3Server.bucket, '._S3rver_uploads');
      await waitFor('the killed process to be mid-way through both puts', async () => {
        if (child.exitCode !== null) throw new Error(`it ended early: ${stderr}`);
        const partials = await readdir(join(env.localPath, '.partial')).catch(() => []);
        const parts = await readdir(uploads).catch(() => []);
        const partDone = parts.length === 1 && (await stat(join(uploads, parts[0], '1.md5')).catch(() => null)) !== null;
        const partialDone = partials.length === 1 && (await stat(join(env.localPath, '.partial', partials[0]))).size >= 64 * 1024;
        return partDone && partialDone;
      });
    } finally {
      child.kill('SIGKILL');
    }
    await exited;
  }

  beforeAll(async () => {
    s3Server = await startS3Server({ multipartLeftovers: true });
    env = await startTestEnvironment({
      env: { STORAGE_PROVIDERS: 'local,b2', B2_ENDPOINT_URL: s3Server.endpoint, B2_BUCKET_NAME: s3Server.bucket, B2_ACCESS_KEY_ID: s3Server.accessKeyId, B2_SECRET_ACCESS_KEY: s3Server.secretAccessKey, B2_REGION: s3Server.region },
    });
    api = apiOf(env);
    env.app.get(DomainEvents).on('integrity.failure', (e) => void events.push(e));
    local = localAdapter(env);
    s3 = s3Adapter(env);

    const old = new Date(Date.now() - 300 * 24 * HOUR);
    live = await seedBackups(env, [
      { type: BackupType.TENANT, tenantId: A, createdAt: old },
      { type: BackupType.TENANT, tenantId: B, createdAt: new Date() },
    ]);
    [failed, deleted, vanished] = await seedBackups(env, [
      { type: BackupType.TENANT, tenantId: A, createdAt: new Date() },
      { type: BackupType.TENANT, tenantId: B, createdAt: new Date() },
      { type: BackupType.TENANT, tenantId: B, createdAt: new Date() },
    ]);
    await api.catalogQuery(`update backup_records set status = 'FAILED' where id = $1`, [failed.id]);
    await api.catalogQuery(`update backup_records set status = 'DELETED' where id = $1`, [deleted.id]);
    for (const adapter of [local, s3]) await adapter.delete(vanished.key);
    // A backup the catalog lost (object and sidecar, no record): a catalog rebuild's to find, never the sweep's to remove.
    await local.put(unknownKey, Readable.from([Buffer.alloc(300)]));
    await local.put(sidecarKeyFor(unknownKey), Readable.from([Buffer.from('{}')]));
    await killedUploads();
  });

  afterAll(async () => {
    s3?.destroy();
    await env?.close();
    await s3Server?.dispose();
  });

  it('serves /storage/status from the catalog’s totals, not from the buckets', async () => {
    const { body } = await api.http().get('/api/super-admin/storage/status').set(api.admin()).expect(200);
    const expected = { objects: 3, bytes: 3 * 64 }; // two live backups and the vanished one: the catalog still says stored
    expect(body.providers.map((p: { provider: string; objects: number; bytes: number; reachable: boolean }) => [p.provider, p.reachable, p.objects, p.bytes])).toEqual([
      ['local', true, expected.objects, expected.bytes],
      ['b2', true, expected.objects, expected.bytes],
    ]);
    expect(body.providers[0]).toMatchObject({ primary: true, estimatedMonthlyCostUsd: 0, reclaimed: { objects: 0, totalObjects: 0 } });
    expect(body.recount).toBeUndefined();
  });

  it('removes nothing before the grace period has passed, dry run or not; flags the backup whose objects vanished', async () => {
    for (const dryRun of [true, false]) {
      const scan = await sweepNow(dryRun);
      expect(scan.status).toBe('COMPLETED');
      for (const name of ['local', 'b2']) expect(provider(scan, name)).toMatchObject({ orphanObjects: 0, incompleteUploads: 0 });
      expect(scan.removed).toEqual([]);
      expect(scan.flagged).toEqual([{ backupId: vanished.id, reason: expect.stringContaining('no object left at') }]);
      const { body } = await api.http().get(`/api/super-admin/backups/${vanished.id}`).set(api.admin()).expect(200);
      expect(body.verificationStatus).toBe(dryRun ? 'UNVERIFIED' : 'FAILED');
    }
    expect(events.filter((e) => e.type === 'integrity.failure' && e.backupId === vanished.id).map((e) => (e as { provider: string }).provider).sort()).toEqual(['b2', 'local']);
    expect(await local.head(orphanKey)).not.toBeNull();
    expect(await s3.head(orphanKey)).not.toBeNull();
    expect(await readdir(join(env.localPath, '.partial'))).toHaveLength(1);
    expect(await collect(uploadsAtS3())).toHaveLength(1);
  });

  it('dry run, 25 hours later, lists the orphan object, the .partial file, the unfinished multipart upload and the dead records’ objects, and touches nothing', async () => {
    const scan = await sweepAt(true, new Date(Date.now() + 25 * HOUR));
    const orphans = [orphanKey, failed.key, sidecarKeyFor(failed.key), deleted.key, sidecarKeyFor(deleted.key)];
    const bytes = (await Promise.all(orphans.map((k) => local.head(k)))).reduce((sum, info) => sum + info!.size, 0);
    for (const name of ['local', 'b2']) {
      expect(provider(scan, name)).toMatchObject({ orphanObjects: orphans.length, orphanBytes: bytes, incompleteUploads: 1 });
    }
    expect(provider(scan, 'local').unknownToCatalog).toBe(1);
    expect(scan.removed).toEqual(expect.arrayContaining([...orphans.map((k) => `local:${k}`), ...orphans.map((k) => `b2:${k}`)]));
    expect(scan.removed.filter((r) => r.startsWith('local:.partial/'))).toHaveLength(1);
    expect(scan.removed.filter((r) => /^b2:.*\(unfinished upload /.test(r))).toHaveLength(1);
    expect(scan.flagged).toEqual([{ backupId: vanished.id, reason: expect.stringContaining('no object left at') }]);
    expect(await local.head(orphanKey)).not.toBeNull();
    expect(await collect(uploadsAtS3())).toHaveLength(1);
  });

  it('a sweep 25 hours later removes them, keeps every live backup and the unknown one, and status shows what was reclaimed', async () => {
    const scan = await sweepAt(false, new Date(Date.now() + 25 * HOUR));
    expect(scan.status).toBe('COMPLETED');
    for (const name of ['local', 'b2']) expect(provider(scan, name)).toMatchObject({ orphanObjects: 5, incompleteUploads: 1 });

    // The vanished backup's sidecar belongs to a record that is still COMPLETED: it stays, and so does the record.
    const liveKeys = [...live.flatMap((b) => [b.key, sidecarKeyFor(b.key)]), sidecarKeyFor(vanished.key)];
    expect(await listKeys(local, 'tenants/')).toEqual([...liveKeys, unknownKey, sidecarKeyFor(unknownKey)].sort());
    expect(await listKeys(s3, 'tenants/')).toEqual([...liveKeys].sort());
    expect(await readdir(join(env.localPath, '.partial'))).toEqual([]);
    expect(await collect(uploadsAtS3())).toEqual([]);

    expect(scan.flagged.map((f) => f.backupId)).toEqual([vanished.id]);
    expect(events.filter((e) => e.type === 'integrity.failure')).toHaveLength(2); // announced when first flagged, not again

    const { body: status } = await api.http().get('/api/super-admin/storage/status').set(api.admin()).expect(200);
    for (const p of status.providers) {
      expect(p.reclaimed).toMatchObject({ lastSweepId: scan.id, objects: 5, bytes: provider(scan, p.provider).orphanBytes, incompleteUploads: 1, totalObjects: 5, totalIncompleteUploads: 1 });
    }
  });

  it('?recount=true starts a job that counts what is actually there, shown as lastRecount', async () => {
    const { body } = await api.http().get('/api/super-admin/storage/status?recount=true').set(api.admin()).expect(200);
    expect(body.recount).toMatchObject({ kind: 'RECOUNT', status: expect.stringMatching(/PENDING|RUNNING/) });
    const recount = await pollRun<ScanBody>(env, `/api/super-admin/storage/scans/${body.recount.id}`);
    expect(provider(recount, 'local')).toMatchObject({ objects: 7 }); // 2 live backups and their sidecars, the vanished one's sidecar, the unknown pair
    expect(provider(recount, 'b2')).toMatchObject({ objects: 5 });
    const { body: after } = await api.http().get('/api/super-admin/storage/status').set(api.admin()).expect(200);
    expect(after.providers.map((p: { provider: string; lastRecount: { objects: number } }) => [p.provider, p.lastRecount.objects])).toEqual([
      ['local', 7],
      ['b2', 5],
    ]);
    await api.http().get('/api/super-admin/storage/status?recount=maybe').set(api.admin()).expect(400);
    await api.http().post('/api/super-admin/storage/sweep?dryRun=0').set(api.admin()).expect(400);
    await api.http().get('/api/super-admin/storage/status').set({ Authorization: `Bearer ${env.tenantToken(A)}` }).expect(403);
  });
});
