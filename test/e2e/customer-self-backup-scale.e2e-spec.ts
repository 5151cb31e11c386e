import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { get, IncomingMessage } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { Client } from 'pg';
import request from 'supertest';
import type { CustomerExportManifest } from '../../libs/customer-export';
import { DEMO_TENANTS, seedDemoPlatform } from '../../libs/demo-platform';
import { customerExportKey } from '../../libs/storage';
import { ServiceProcess, startServiceProcess } from '../support/service-process';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { startTestEnvironment, TEST_ENCRYPTION_KEY, TEST_JWT_SECRET, TestEnvironment } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const run = promisify(execFile);
const MIB = 1024 * 1024;
const A = DEMO_TENANTS.A.id;
/** Demo rows per table and tenant that give tenant A about 270 MiB of CSV (seeded without triggers, below). */
const EXTRA_ROWS = 210_000;
const TENANT_BYTES = 256 * MIB;
const RSS_LIMIT = 256 * MIB;
const MINUTES = 60_000;

/** Peak resident set size of a live process, from Linux's VmHWM ("high water mark"), in bytes. */
async function peakRss(pid: number): Promise<number> {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmHWM for process ${pid}`);
  return Number(match[1]) * 1024;
}

/**
 * A 256 MiB tenant exported by a worker process of its own (the built service, `npm run build` first), so that its
 * peak RSS is the export's; the API runs in the test process and only enqueues and serves the download.
 */
describe('customer export of a 256 MiB tenant', () => {
  let source: TestDatabase;
  let env: TestEnvironment;
  let worker: ServiceProcess | undefined;
  /** The worker's peak RSS once booted, before any export: what the export adds is the difference. */
  let bootRss: number;
  let work: string;
  const http = () => request(env.app.getHttpServer());
  const asTenant = () => ({ Authorization: `Bearer ${env.tenantToken(A)}` });

  /** Streams a download to `file` (never into memory), resolving with the response. */
  function downloadTo(backupId: string, file: string): Promise<IncomingMessage> {
    const { port } = env.app.getHttpServer().address() as AddressInfo;
    return new Promise((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: `/api/tenant/backup/download/${backupId}`, headers: asTenant() }, (response) => {
        pipeline(response, createWriteStream(file)).then(() => resolve(response), reject);
      }).once('error', reject);
    });
  }

  beforeAll(async () => {
    source = await createTestDatabase(undefined, 'customer_scale');
    const client = new Client({ connectionString: source.url });
    await client.connect();
    try {
      // Triggers off (foreign-key checks and the demo's invoice → activity_log trigger) and no commit waits: a quarter of
      // the seeding time. The rows reference each other correctly by construction; only the trigger's log rows are absent.
      await client.query('SET session_replication_role = replica; SET synchronous_commit = off');
      await seedDemoPlatform(client, { extraRowsPerTenant: EXTRA_ROWS });
    } finally {
      await client.end();
    }
    // The API enqueues only (APP_ROLE=api); the export runs in the worker process below.
    env = await startTestEnvironment({ env: { APP_ROLE: 'api', SOURCE_DATABASE_URL: source.url, CUSTOMER_BACKUP_DELETE_AFTER_DOWNLOAD: 'true' } });
    await env.app.listen(0, '127.0.0.1');
    work = await mkdtemp(join(tmpdir(), 'tv-customer-scale-'));
    worker = await startServiceProcess(
      {
        NODE_ENV: 'test',
        LOG_FORMAT: 'json',
        DATABASE_URL: env.catalog.url,
        SOURCE_DATABASE_URL: source.url,
        REDIS_URL: env.config.redisUrl,
        QUEUE_PREFIX: env.config.queuePrefix,
        JWT_SECRET: TEST_JWT_SECRET,
        BACKUP_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
        LOCAL_STORAGE_PATH: env.localPath,
        STORAGE_PROVIDERS: 'local',
      },
      'worker',
    );
    bootRss = await peakRss(worker.child.pid!);
  }, 15 * MINUTES);

  afterAll(async () => {
    await worker?.kill('SIGTERM');
    await env?.close();
    await source?.drop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('completes with the worker’s peak RSS under 256 MiB; the download holds 256 MiB of CSV and goes after the first complete download', async () => {
    const created = await http().post('/api/tenant/backup/create').set(asTenant()).expect(202);
    const done = await waitFor(
      'the export to finish',
      async () => {
        const { body } = await http().get('/api/tenant/backup/status').set(asTenant()).expect(200);
        return ['COMPLETED', 'FAILED'].includes(body.latest.status) ? body.latest : undefined;
      },
      10 * MINUTES,
      1000,
    );
    expect(done).toMatchObject({ id: created.body.id, status: 'COMPLETED', progress: 100 });
    const rss = await peakRss(worker!.child.pid!);
    expect(rss).toBeLessThan(RSS_LIMIT);

    const zip = join(work, 'export.zip');
    const response = await downloadTo(done.id, zip);
    expect(response.statusCode).toBe(200);
    expect(Number(response.headers['content-length'])).toBe((await stat(zip)).size);
    await run('unzip', ['-tq', zip]);
    const manifest = JSON.parse((await run('unzip', ['-p', zip, 'manifest.json'], { maxBuffer: 16 * MIB })).stdout) as CustomerExportManifest;
    const csvBytes = manifest.tables.reduce((sum, t) => sum + t.bytes, 0);
    expect(csvBytes).toBeGreaterThan(TENANT_BYTES);
    expect(manifest.tables.find((t) => t.name === 'public.customers')!.rows).toBe(30 + EXTRA_ROWS);

    // CUSTOMER_BACKUP_DELETE_AFTER_DOWNLOAD=true: counted, then deleted and EXPIRED; the next download is refused.
    const expired = await waitFor('the export to expire after its download', async () => {
      const { body } = await http().get('/api/tenant/backup/history').set(asTenant()).expect(200);
      return body.items[0].status === 'EXPIRED' ? body.items[0] : undefined;
    });
    expect(expired).toMatchObject({ id: done.id, downloadCount: 1, downloadable: false });
    await expect(stat(join(env.localPath, customerExportKey(A, done.id, new Date(done.createdAt))))).rejects.toMatchObject({ code: 'ENOENT' });
    await http().get(`/api/tenant/backup/download/${done.id}`).set(asTenant()).expect(410);
    const { body: audit } = await http().get(`/api/super-admin/audit?tenantId=${A}&action=customer-backup.expire`).set({ Authorization: `Bearer ${env.superAdminToken}` }).expect(200);
    expect(audit.items.map((e: { detail: { reason: string } }) => e.detail.reason)).toEqual(['DOWNLOADED']);
    process.stdout.write(`customer export scale: ${(csvBytes / MIB).toFixed(1)} MiB of CSV, zip ${(done.sizeBytes / MIB).toFixed(1)} MiB, worker peak RSS ${(rss / MIB).toFixed(1)} MiB (${(bootRss / MIB).toFixed(1)} MiB once booted)\n`);
  }, 15 * MINUTES);
});
