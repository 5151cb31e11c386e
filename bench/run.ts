/**
 * `npm run bench`: TenantVault's pipelines against the raw PostgreSQL tools on the same data (SPEC §11), as deployed
 * (STORAGE_PROVIDERS=local,b2 with an S3 server on the machine) and with the local provider alone.
 * Sizes: BENCH_SIZE_MB (large tenant, default 1024), BENCH_SMALL_TENANTS (default 2000), BENCH_BULK_TENANTS (the bulk
 * request, default 10000). GZIP_LEVEL, COMPRESSION_THREADS, UPLOAD_PART_SIZE_MB, UPLOAD_CONCURRENCY are read as the
 * service reads them; BACKUP_CONCURRENCY is tuned by the bench (BENCH_CONCURRENCIES, default 1,2,4,8).
 * The large backup is also run once under --cpu-prof and its top functions listed in the report (BENCH_PROFILE=0 skips it).
 */
import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { discoverTenantGraph, quoteIdent, columnsForCopy, scopeIndexRecommendations, TenancyConfig, tenantRowsPredicate, tenantTableSelect } from '../libs/tenant-data';
import { deleteRedisKeys } from '../test/support/redis-keys';
import { createBackgroundApp, createHttpApp } from '../src/app.factory';
import { signToken } from '../src/common/auth/jwt-tokens';
import { AppConfig, loadConfig } from '../src/config';
import { migrateCatalog } from '../src/database/migrate';
import { BackupsService } from '../src/modules/backups';
import { baselineBackup, baselineDisaster, baselineRestore, elapsed, TableQuery } from './baselines';
import { PipelineSettings, runWorker, WorkerJob, WorkerResult } from './backup-worker';
import { createDataset, databaseUrl, Dataset, dropDatabases, PLATFORM_DB, recreateDatabase } from './dataset';
import { S3Endpoint, startS3ServerProcess } from './s3-server-process';
import { BenchResults, BulkRequestRun, CpuMeter, environment, printReport, ServiceRun, SmallTenantsRun, summarizeProfile, writeReport } from './report';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const CATALOG_DB = 'tv_bench_catalog';
/** Small tenants alone, and the tenants of the bulk request. */
const SMALL_PLATFORM_DB = 'tv_bench_small';
const SIZE_MB = Number(process.env.BENCH_SIZE_MB ?? 1024);
const SMALL_TENANTS = Number(process.env.BENCH_SMALL_TENANTS ?? 2000);
const BULK_TENANTS = Number(process.env.BENCH_BULK_TENANTS ?? 10_000);
const CONCURRENCIES = (process.env.BENCH_CONCURRENCIES ?? '1,2,4,8').split(',').map(Number);
/** Small tenants per run of the BACKUP_CONCURRENCY sweep. */
const SWEEP_TENANTS = Math.min(SMALL_TENANTS, 300);
const PROFILE = process.env.BENCH_PROFILE !== '0';
/** A second large backup at this gzip level (if it differs from GZIP_LEVEL): the baseline's own level, the evidence for the default. */
const ALT_GZIP_LEVEL = Number(process.env.BENCH_ALT_GZIP_LEVEL ?? 6);
const JWT_SECRET = 'bench-jwt-secret-bench-jwt-secret-0123';
const ENCRYPTION_KEY = randomBytes(32).toString('base64');
const log = (line: string) => console.log(line);

/** The service's own configuration, so the bench measures its defaults (or whatever the environment overrides). */
function serviceVariables(overrides: Record<string, string>): Record<string, string> {
  return { ...(process.env as Record<string, string>), JWT_SECRET, BACKUP_ENCRYPTION_KEY: ENCRYPTION_KEY, STORAGE_PROVIDERS: 'local', ...overrides };
}

const serviceConfig = (overrides: Record<string, string>): AppConfig => loadConfig(serviceVariables(overrides));

/** STORAGE_PROVIDERS=local,b2 with the bench's S3 server as b2. */
const asDeployed = (s3: S3Endpoint, localPath: string): Record<string, string> => ({
  STORAGE_PROVIDERS: 'local,b2',
  LOCAL_STORAGE_PATH: localPath,
  B2_ENDPOINT_URL: s3.endpoint,
  B2_BUCKET_NAME: s3.bucket,
  B2_ACCESS_KEY_ID: s3.accessKeyId,
  B2_SECRET_ACCESS_KEY: s3.secretAccessKey,
  B2_REGION: s3.region,
});

/** The export's own SELECTs for one tenant, discovered the way the export discovers them. */
async function tenantQueries(url: string, tenancy: TenancyConfig, tenantId: string): Promise<{ tables: TableQuery[]; missingIndexes: string[] }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const graph = await discoverTenantGraph(client, tenancy);
    const tables = graph.tables.map((table) => ({
      name: `${table.schema}.${table.name}`,
      qualifiedName: table.qualifiedName,
      columns: columnsForCopy(table).map(quoteIdent).join(', '),
      predicate: tenantRowsPredicate(graph, table, tenantId, 't'),
      select: tenantTableSelect(graph, table, tenantId),
    }));
    return { tables, missingIndexes: scopeIndexRecommendations(graph).map((r) => r.sql) };
  } finally {
    await client.end();
  }
}

/** Children first, then VACUUM: both restores start from the same clean tables. */
async function deleteTenant(url: string, tables: TableQuery[]): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    for (const table of [...tables].reverse()) await client.query(`DELETE FROM ${table.qualifiedName} AS "t" WHERE ${table.predicate}`);
    for (const table of tables) await client.query(`VACUUM ANALYZE ${table.qualifiedName}`);
  } finally {
    await client.end();
  }
}

async function countRows(url: string, tables: TableQuery[]): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    let rows = 0;
    for (const table of tables) rows += Number((await client.query(`SELECT count(*) AS n FROM (${table.select}) s`)).rows[0].n);
    return rows;
  } finally {
    await client.end();
  }
}

async function measured<T>(what: string, run: () => Promise<T>): Promise<T & { busyCores: number }> {
  log(`• ${what}`);
  const cpu = new CpuMeter();
  const result = await run();
  return { ...result, busyCores: cpu.busyCores() };
}

/** A migrated, empty catalog and an empty queue prefix for one run of the service. */
async function freshCatalog(redisUrl: string): Promise<string> {
  await recreateDatabase(ADMIN_URL, CATALOG_DB);
  const url = databaseUrl(ADMIN_URL, CATALOG_DB);
  await migrateCatalog(url);
  // Jobs left over by an earlier run would point at records of a dropped catalog: every key of the bench's prefix goes.
  await deleteRedisKeys(redisUrl, 'tvbench:*');
  return url;
}

/** Small tenants through the real queue: a worker in this process, bulk-enqueued, until the catalog says all settled. */
async function smallTenantsThroughQueue(platformUrl: string, tenants: string[], concurrency: number, storage: Record<string, string>, label: string): Promise<SmallTenantsRun> {
  const base = serviceConfig({});
  const catalogUrl = await freshCatalog(base.redisUrl);
  const config = serviceConfig({ DATABASE_URL: catalogUrl, SOURCE_DATABASE_URL: platformUrl, APP_ROLE: 'worker', QUEUE_PREFIX: 'tvbench', BACKUP_CONCURRENCY: String(concurrency), ...storage });
  const app = await createBackgroundApp(config, false);
  const catalog = new Client({ connectionString: catalogUrl });
  await catalog.connect();
  try {
    const cpu = new CpuMeter();
    const rssBeforeMb = process.memoryUsage().rss / 1024 / 1024;
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    const { accepted, skipped } = await app.get(BackupsService).requestBulkBackup('bench', tenants);
    const enqueueSeconds = elapsed(started);
    if (skipped.length > 0) throw new Error(`${skipped.length} small tenants were not accepted: ${skipped[0].reason}`);
    let rssHalfMb: number | undefined;
    for (;;) {
      const { rows } = await catalog.query<{ settled: string; failed: string; avg_ms: string | null }>(
        `SELECT count(*) FILTER (WHERE status IN ('COMPLETED', 'FAILED')) AS settled, count(*) FILTER (WHERE status = 'FAILED') AS failed,
           avg(duration_ms) FILTER (WHERE status = 'COMPLETED') AS avg_ms FROM backup_records`,
      );
      if (rssHalfMb === undefined && Number(rows[0].settled) >= accepted.length / 2) rssHalfMb = process.memoryUsage().rss / 1024 / 1024;
      if (Number(rows[0].settled) >= accepted.length) {
        if (Number(rows[0].failed) > 0) throw new Error(`${rows[0].failed} small-tenant backups FAILED`);
        const seconds = elapsed(started);
        const rssAfterMb = process.memoryUsage().rss / 1024 / 1024;
        const { user, system } = process.cpuUsage(cpuBefore);
        return { label, tenants: accepted.length, seconds, enqueueSeconds, avgRecordedMs: Number(rows[0].avg_ms), concurrency, busyCores: cpu.busyCores(), cpuSeconds: (user + system) / 1e6, rssBeforeMb, rssHalfMb: rssHalfMb ?? rssAfterMb, rssAfterMb };
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await catalog.end();
    await app.close();
  }
}

/** BACKUP_CONCURRENCY giving the most small tenants per minute beside the large tenant, from short runs of SWEEP_TENANTS. */
async function tuneConcurrency(dataset: Dataset, storage: Record<string, string>): Promise<{ sweep: SmallTenantsRun[]; best: number }> {
  const sweep: SmallTenantsRun[] = [];
  for (const concurrency of CONCURRENCIES) {
    log(`  BACKUP_CONCURRENCY=${concurrency}`);
    sweep.push(await smallTenantsThroughQueue(dataset.url, dataset.smallTenants.slice(0, SWEEP_TENANTS), concurrency, storage, `sweep ${concurrency}`));
  }
  const best = sweep.reduce((a, b) => (b.tenants / b.seconds > a.tenants / a.seconds ? b : a));
  return { sweep, best: best.concurrency };
}

/**
 * `POST /api/super-admin/backups/tenants` for every active tenant, twice, against an API process of the service: the
 * time to the 202, and what each created. No worker runs, so every job stays in the queue to be counted.
 */
async function bulkRequest(platformUrl: string): Promise<BulkRequestRun> {
  const base = serviceConfig({});
  const catalogUrl = await freshCatalog(base.redisUrl);
  const config = serviceConfig({ DATABASE_URL: catalogUrl, SOURCE_DATABASE_URL: platformUrl, APP_ROLE: 'api', QUEUE_PREFIX: 'tvbench', LOG_LEVEL: 'error' });
  const app = await createHttpApp(config, false);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const token = signToken({ sub: 'bench', role: 'super_admin' }, JWT_SECRET);
  const post = async () => {
    const started = process.hrtime.bigint();
    const res = await fetch(`http://127.0.0.1:${port}/api/super-admin/backups/tenants`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    const body = (await res.json()) as { accepted: unknown[]; skipped: unknown[] };
    if (res.status !== 202) throw new Error(`POST /backups/tenants answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
    return { seconds: elapsed(started), accepted: body.accepted.length, skipped: body.skipped.length };
  };
  const catalog = new Client({ connectionString: catalogUrl });
  await catalog.connect();
  try {
    const first = await post();
    const again = await post();
    const { rows } = await catalog.query<{ records: number; tenants: number }>('SELECT count(*)::int AS records, count(DISTINCT tenant_id)::int AS tenants FROM backup_records');
    const queue = new Queue('backups', { connection: { url: config.redisUrl }, prefix: config.queuePrefix });
    const jobs = await queue.count();
    await queue.close();
    return { first, again, records: rows[0].records, distinctTenants: rows[0].tenants, jobs };
  } finally {
    await catalog.end();
    await app.close();
    await deleteRedisKeys(config.redisUrl, 'tvbench:*');
  }
}

/** VmHWM (peak resident set) of a process, from /proc, in MiB. */
function peakRssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'))!;
  return Number(line.replace(/\D+/g, '')) / 1024;
}

/**
 * The default all-in-one process (APP_ROLE=all, the built service as `npm start` runs it) backing up the medium and then
 * the large tenant as deployed: its peak RSS after each, and the time from request to COMPLETED.
 */
async function allInOneProcess(dataset: Dataset, storage: Record<string, string>): Promise<ServiceRun[]> {
  const base = serviceConfig({});
  const catalogUrl = await freshCatalog(base.redisUrl);
  const port = 39_000 + Math.floor(Math.random() * 1000);
  const cwd = await mkdtemp(path.join(tmpdir(), 'tv-bench-service-'));
  const variables = serviceVariables({ DATABASE_URL: catalogUrl, SOURCE_DATABASE_URL: dataset.url, APP_ROLE: 'all', QUEUE_PREFIX: 'tvbench', PORT: String(port), LOG_FORMAT: 'json', NODE_ENV: 'production', ...storage });
  // V8's young generation capped as `npm start` and the Docker image (NODE_OPTIONS) run the service.
  const child: ChildProcess = spawn(process.execPath, ['--max-semi-space-size=4', path.join(__dirname, '..', 'src', 'main.js')], { cwd, env: variables, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output = (output + d).slice(-20_000)));
  child.stderr!.on('data', (d) => (output = (output + d).slice(-20_000)));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const headers = { authorization: `Bearer ${signToken({ sub: 'bench', role: 'super_admin' }, JWT_SECRET)}` };
  const api = `http://127.0.0.1:${port}/api/super-admin/backups`;
  try {
    for (let i = 0; !/listening on/.test(output); i++) {
      if (child.exitCode !== null || i > 600) throw new Error(`the service did not start: ${output.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const runs: ServiceRun[] = [];
    for (const [label, tenantId] of [[`${Math.round(SIZE_MB / 4)} MiB`, dataset.mediumTenant], [`${SIZE_MB} MiB`, dataset.largeTenant]]) {
      const started = process.hrtime.bigint();
      const created = (await (await fetch(`${api}/tenant/${tenantId}`, { method: 'POST', headers })).json()) as { id: string };
      for (;;) {
        const record = (await (await fetch(`${api}/${created.id}`, { headers })).json()) as { status: string; rawBytes?: number; errorMessage?: string };
        if (record.status === 'FAILED') throw new Error(`the service's backup of the ${label} tenant failed: ${record.errorMessage}`);
        if (record.status === 'COMPLETED') {
          runs.push({ label, seconds: elapsed(started), peakRssMb: peakRssOf(child.pid!) });
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    return runs;
  } finally {
    child.kill('SIGTERM');
    await exited;
    await rm(cwd, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const benchStarted = process.hrtime.bigint();
  const work = await mkdtemp(path.join(tmpdir(), 'tv-bench-'));
  const mediumMb = Math.max(16, Math.round(SIZE_MB / 4));
  const config = serviceConfig({});
  const env = await environment(ADMIN_URL, config);
  log(`TenantVault bench: large tenant ${SIZE_MB} MiB, medium ${mediumMb} MiB, ${SMALL_TENANTS} small tenants, bulk request of ${BULK_TENANTS}; work dir ${work}`);
  let s3: Awaited<ReturnType<typeof startS3ServerProcess>> | undefined;
  try {
    log('• generating the platform database');
    const dataset = await createDataset(ADMIN_URL, { largeMb: SIZE_MB, mediumMb, smallTenants: SMALL_TENANTS }, log);
    const { tables, missingIndexes } = await tenantQueries(dataset.url, config.tenancy, dataset.largeTenant);
    if (missingIndexes.length > 0) throw new Error(`the bench's platform lacks indexes tenant scoping needs: ${missingIndexes.join(' ')}`);
    s3 = await startS3ServerProcess('tenantvault-bench');
    const dirs = { ours: path.join(work, 'storage'), baseline: path.join(work, 'baseline'), profiles: path.join(work, 'profiles') };
    await Promise.all(Object.values(dirs).map((d) => mkdir(d, { recursive: true })));
    const settings: PipelineSettings = {
      encryptionKey: config.encryption.activeKey,
      localDir: dirs.ours,
      s3: { endpoint: s3.endpoint, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      gzipLevel: config.backup.gzipLevel,
      compressionThreads: config.compressionThreads,
      uploadPartSize: config.storage.partSizeBytes,
      uploadConcurrency: config.storage.uploadConcurrency,
    };
    const backupJob = (tenantId: string, overrides: Partial<PipelineSettings> = {}): WorkerJob => ({ kind: 'tenant-backup', url: dataset.url, tenancy: config.tenancy, tenantId, ...settings, ...overrides });

    const backup = await measured('tenant backup, TenantVault as deployed (export → tar → gzip → encrypt → local + S3)', () => runWorker(backupJob(dataset.largeTenant)));
    const baseline = await measured('tenant backup, baseline (psql \\copy | gzip)', () => baselineBackup(dataset.url, tables, dirs.baseline));
    const localOnly = await measured('tenant backup, TenantVault with the local provider alone', () => runWorker(backupJob(dataset.largeTenant, { s3: undefined })));
    const medium = await measured(`tenant backup of the ${mediumMb} MiB tenant (peak RSS)`, () => runWorker(backupJob(dataset.mediumTenant)));
    const alternative =
      ALT_GZIP_LEVEL !== settings.gzipLevel
        ? { level: ALT_GZIP_LEVEL, ...(await measured(`tenant backup, TenantVault at gzip level ${ALT_GZIP_LEVEL}`, () => runWorker(backupJob(dataset.largeTenant, { gzipLevel: ALT_GZIP_LEVEL })))) }
        : undefined;
    let profile: BenchResults['profile'];
    if (PROFILE) {
      log('• profiling the large tenant backup (--cpu-prof)');
      const profiled = await runWorker(backupJob(dataset.largeTenant), ['--cpu-prof', `--cpu-prof-dir=${dirs.profiles}`]);
      profile = { seconds: profiled.seconds, cpuSeconds: profiled.cpuSeconds, top: await summarizeProfile(dirs.profiles, 15) };
    }
    log('• the default all-in-one service process backing up the medium and the large tenant (peak RSS)');
    const service = await allInOneProcess(dataset, asDeployed(s3, path.join(work, 'service-storage')));

    const expectedRows = backup.rows ?? 0;
    log('• deleting the large tenant for the baseline restore');
    await deleteTenant(dataset.url, tables);
    const baselineRestored = await measured('restore, baseline (gunzip | psql \\copy FROM STDIN)', () => baselineRestore(dataset.url, tables, dirs.baseline));
    const baselineRows = await countRows(dataset.url, tables);
    if (baselineRows !== expectedRows) throw new Error(`baseline restore brought back ${baselineRows} rows, the backup holds ${expectedRows}`);
    log('• deleting the large tenant for the TenantVault restore');
    await deleteTenant(dataset.url, tables);
    const restore = await measured('restore, TenantVault (importTenant FULL from the local copy)', () =>
      runWorker({ kind: 'tenant-restore', url: dataset.url, tenancy: config.tenancy, tenantId: dataset.largeTenant, file: backup.localFile!, encryptionKey: settings.encryptionKey }),
    );
    const rowsAfter = await countRows(dataset.url, tables);
    if (rowsAfter !== expectedRows) throw new Error(`the TenantVault restore brought back ${rowsAfter} rows, the backup holds ${expectedRows}`);

    const disaster = await measured('DISASTER backup, TenantVault (pg_dump → tar → gzip → encrypt → local)', () =>
      runWorker({ kind: 'disaster-backup', url: dataset.url, ...settings, s3: undefined }),
    );
    const disasterBaseline = await measured('DISASTER backup, baseline (pg_dump -Fc | openssl enc)', () => baselineDisaster(dataset.url, path.join(dirs.baseline, 'platform.dump.enc')));

    let smallTenants: BenchResults['smallTenants'];
    if (dataset.smallTenants.length > 0) {
      const deployed = asDeployed(s3, path.join(work, 'queue-storage'));
      log(`• BACKUP_CONCURRENCY for small tenants beside the large one (${SWEEP_TENANTS} each, as deployed)`);
      const { sweep, best } = await tuneConcurrency(dataset, deployed);
      log(`• ${dataset.smallTenants.length} small tenants beside the large one, as deployed, BACKUP_CONCURRENCY=${best}`);
      const beside = await smallTenantsThroughQueue(dataset.url, dataset.smallTenants, best, deployed, 'beside the large tenant, local + S3');
      log('• the same with the local provider alone');
      const besideLocal = await smallTenantsThroughQueue(dataset.url, dataset.smallTenants, best, { LOCAL_STORAGE_PATH: path.join(work, 'queue-local') }, 'beside the large tenant, local only');
      log(`• ${dataset.smallTenants.length} small tenants alone in their tables (a platform of ${SMALL_TENANTS} small and ${BULK_TENANTS - SMALL_TENANTS} empty tenants)`);
      const alonePlatform = await createDataset(ADMIN_URL, { largeMb: 0, mediumMb: 0, smallTenants: SMALL_TENANTS, emptyTenants: Math.max(0, BULK_TENANTS - SMALL_TENANTS), database: SMALL_PLATFORM_DB }, log);
      const alone = await smallTenantsThroughQueue(alonePlatform.url, alonePlatform.smallTenants, best, deployed, 'alone, local + S3');
      log(`• POST /backups/tenants for all ${alonePlatform.tenants} tenants, twice`);
      const bulk = await bulkRequest(alonePlatform.url);
      smallTenants = { sweep, best, beside, besideLocal, alone, bulk };
    }

    const results: BenchResults = {
      env,
      sizes: { largeMb: SIZE_MB, mediumMb },
      backup,
      localOnly,
      baseline,
      alternative,
      medium,
      service,
      restore,
      baselineRestore: baselineRestored,
      disaster,
      disasterBaseline,
      smallTenants,
      profile,
      totalSeconds: elapsed(benchStarted),
    };
    printReport(results);
    await writeReport(path.join(__dirname, '..', '..', 'docs', 'BENCHMARKS.md'), results);
  } finally {
    await s3?.stop();
    await rm(work, { recursive: true, force: true });
    // The bench leaves nothing behind: its databases (tens of GiB of data) and its queue keys go.
    await dropDatabases(ADMIN_URL, [PLATFORM_DB, SMALL_PLATFORM_DB, CATALOG_DB]);
    await deleteRedisKeys(config.redisUrl, 'tvbench:*');
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
