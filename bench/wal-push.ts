/**
 * Point-in-time recovery on this machine (docs/PITR.md), against a PostgreSQL cluster of its own (initdb as the
 * postgres OS user, 16 MiB segments):
 *  1. `wal push` per 16 MiB segment: real segments of the cluster (rows of text, numbers, uuids), pushed one after the
 *     other as PostgreSQL's archive_command would, wall-clock time per process (Node.js start included);
 *  2. the RPO with archive_timeout = 60 under a light steady write load: the age of the newest archived segment,
 *     sampled every second for BENCH_RPO_SECONDS (default 180);
 *  3. the RTO for a BENCH_PITR_SIZE_MB (default 1024) platform: a BASE backup through the service, then
 *     `dr restore --target-time` with the CLI alone, timed phase by phase.
 * Build first (`npm run build`: restore_command runs dist/src/cli.js). Run: `tsc -p tsconfig.bench.json && node
 * dist-bench/bench/wal-push.js`. BENCH_WAL_SEGMENTS (default 20) segments are pushed in phase 1.
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, copyFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { createBackgroundApp } from '../src/app.factory';
import { loadConfig } from '../src/config';
import { migrateCatalog } from '../src/database/migrate';
import { BackupsService, BackupStatus, BackupType } from '../src/modules/backups';
import { PointInTimeService } from '../src/modules/point-in-time';
import { osUserIds, postgresOwnedDir, startTestCluster, stopServerAt, sweepTestClusters, TestCluster } from '../test/support/pg-cluster';
import { deleteRedisKeys } from '../test/support/redis-keys';
import { freePort } from '../test/support/service-process';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const SEGMENTS = Number(process.env.BENCH_WAL_SEGMENTS ?? 20);
const RPO_SECONDS = Number(process.env.BENCH_RPO_SECONDS ?? 180);
const PITR_SIZE_MB = Number(process.env.BENCH_PITR_SIZE_MB ?? 1024);
const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const CATALOG_DB = 'tv_bench_pitr_catalog';
const CLI = resolve(process.cwd(), 'dist/src/cli.js');
const log = (line: string) => console.log(line);
const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;
const pct = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))];

/** Runs the built CLI; resolves with its wall-clock time and stderr lines, each stamped with seconds since start. */
function cli(args: string[], env: Record<string, string>): Promise<{ seconds: number; stderr: { at: number; line: string }[]; stdout: string }> {
  return new Promise((resolveRun, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    const stderr: { at: number; line: string }[] = [];
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => d.toString().split('\n').filter(Boolean).forEach((line) => stderr.push({ at: seconds(started), line })));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolveRun({ seconds: seconds(started), stderr, stdout }) : reject(new Error(`cli ${args.join(' ')} exited ${code}: ${stderr.map((s) => s.line).join('\n')}`))));
  });
}

async function main(): Promise<void> {
  await sweepTestClusters();
  const key = randomBytes(32).toString('base64');
  const ids = await osUserIds();
  let env: Record<string, string> = {};
  let rawDir = '';
  let envFile = '';
  const cluster: TestCluster = await startTestCluster({
    settings: () => ({ wal_level: 'replica', archive_mode: 'on', archive_timeout: '60', max_wal_size: "'2GB'", archive_command: "'cp %p ../raw/%f'" }),
    beforeStart: async (root) => {
      rawDir = await postgresOwnedDir(join(root, 'raw'));
      const store = await postgresOwnedDir(join(root, 'store'));
      await postgresOwnedDir(join(store, '.partial'));
      env = { BACKUP_ENCRYPTION_KEY: key, STORAGE_PROVIDERS: 'local', LOCAL_STORAGE_PATH: store };
      envFile = join(root, 'wal.env');
      await writeFile(envFile, Object.entries(env).map(([k, v]) => `${k}='${v}'`).join('\n'), { mode: 0o600 });
      await chown(envFile, ids.uid, ids.gid);
    },
  });
  const sql = <T extends object = Record<string, unknown>>(query: string, params: unknown[] = []) => cluster.query<T>('platform', query, params);
  const results: Record<string, unknown> = {};
  try {
    await cluster.query('postgres', 'create database platform');
    await sql(`create table rows (id bigserial primary key, tenant_id uuid not null, email text not null, note text, amount numeric(14, 2) not null, created_at timestamptz not null default now())`);

    // 1. wal push per 16 MiB segment, on real segments of this cluster.
    log(`1. generating ${SEGMENTS} WAL segments of rows ...`);
    const [{ before }] = await cluster.query<{ before: number }>('postgres', 'select archived_count::int as before from pg_stat_archiver');
    while ((await cluster.query<{ n: number }>('postgres', 'select archived_count::int as n from pg_stat_archiver'))[0].n < before + SEGMENTS + 1) {
      await sql(`insert into rows (tenant_id, email, note, amount) select gen_random_uuid(), 'user' || g || '@tenant' || (g % 97) || '.example', repeat(md5(g::text), 1 + g % 4), (g % 100000) / 100.0 from generate_series(1, 20000) g`);
    }
    const segmentFiles = (await readdir(rawDir)).filter((n) => /^[0-9A-F]{24}$/.test(n)).sort().slice(-SEGMENTS);
    // Into a store of their own: these pushes run as this process's user, the archive_command's as postgres.
    const pushDir = await postgresOwnedDir(join(cluster.root, 'push'));
    const pushEnv = { ...env, LOCAL_STORAGE_PATH: join(cluster.root, 'push-store') };
    const times: number[] = [];
    const inside: number[] = [];
    for (const name of segmentFiles) {
      await copyFile(join(rawDir, name), join(pushDir, name));
      const run = await cli(['wal', 'push', join(pushDir, name), '--verbose'], pushEnv);
      times.push(run.seconds);
      const internal = /\(\d+ bytes, ([\d.]+) s\)/.exec(run.stderr.map((s) => s.line).join('\n'));
      if (internal) inside.push(Number(internal[1]));
    }
    results.walPush = { segments: times.length, medianSeconds: pct(times, 50), p95Seconds: pct(times, 95), maxSeconds: Math.max(...times), medianInsideProcessSeconds: pct(inside, 50) };
    log(`   wal push per 16 MiB segment: median ${pct(times, 50).toFixed(2)} s, p95 ${pct(times, 95).toFixed(2)} s, max ${Math.max(...times).toFixed(2)} s (of which the push itself, median ${pct(inside, 50).toFixed(2)} s; the rest is starting Node.js)`);

    // 2. RPO with archive_timeout = 60: the real archive_command from now on.
    await sql(`alter system set archive_command = '${process.execPath} ${CLI} wal push %p --env-file ${envFile}'`);
    await sql('select pg_reload_conf()');
    await cluster.switchAndArchive(120_000);
    if (RPO_SECONDS > 0) await measureRpo();
    if (PITR_SIZE_MB > 0) await measureRto();
  } finally {
    await cluster.remove();
  }
  console.log(JSON.stringify(results, null, 2));

  async function measureRpo(): Promise<void> {
    log(`2. measuring the RPO with archive_timeout = 60 for ${RPO_SECONDS} s under a steady light write load ...`);
    const ages: number[] = [];
    let writing = true;
    const writer = (async () => {
      while (writing) {
        await sql(`insert into rows (tenant_id, email, amount) values (gen_random_uuid(), 'steady@tenant.example', 1)`);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const rpoEnd = Date.now() + RPO_SECONDS * 1000;
    while (Date.now() < rpoEnd) {
      const [{ age }] = await cluster.query<{ age: number }>('postgres', `select extract(epoch from now() - last_archived_time)::float8 as age from pg_stat_archiver`);
      ages.push(age);
      await new Promise((r) => setTimeout(r, 1000));
    }
    writing = false;
    await writer;
    results.rpo = { archiveTimeoutSeconds: 60, samples: ages.length, maxSeconds: Math.max(...ages), meanSeconds: ages.reduce((a, b) => a + b, 0) / ages.length };
    log(`   age of the newest archived segment: max ${Math.max(...ages).toFixed(1)} s, mean ${(ages.reduce((a, b) => a + b, 0) / ages.length).toFixed(1)} s`);
  }

  /** 3. RTO for a PITR_SIZE_MB platform. */
  async function measureRto(): Promise<void> {
    log(`3. growing the platform to ${PITR_SIZE_MB} MB ...`);
    const grow = process.hrtime.bigint();
    while ((await sql<{ mb: number }>(`select pg_database_size('platform') / 1048576 as mb`))[0].mb < PITR_SIZE_MB) {
      await sql(`insert into rows (tenant_id, email, note, amount) select gen_random_uuid(), 'user' || g || '@tenant' || (g % 97) || '.example', repeat(md5(g::text), 1 + g % 4), (g % 100000) / 100.0 from generate_series(1, 200000) g`);
    }
    log(`   grown in ${seconds(grow).toFixed(0)} s; waiting for the archive to catch up ...`);
    await cluster.switchAndArchive(900_000);
    const [{ mb: platformMb }] = await sql<{ mb: number }>(`select pg_database_size('platform') / 1048576 as mb`);

    const admin = new Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${CATALOG_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${CATALOG_DB}`);
    const catalogUrl = new URL(ADMIN_URL);
    catalogUrl.pathname = `/${CATALOG_DB}`;
    await migrateCatalog(catalogUrl.toString());
    const queuePrefix = `tvbenchpitr${randomBytes(3).toString('hex')}`;
    const config = loadConfig({ ...process.env, ...env, JWT_SECRET: 'bench-jwt-secret-bench-jwt-secret-0123', DATABASE_URL: catalogUrl.toString(), SOURCE_DATABASE_URL: cluster.url('platform'), QUEUE_PREFIX: queuePrefix, APP_ROLE: 'worker' });
    const app = await createBackgroundApp(config, false);
    let baseSeconds: number;
    let storedMb: number;
    try {
      log('   base backup through the service ...');
      const baseStarted = process.hrtime.bigint();
      const requested = await app.get(PointInTimeService).requestBaseBackup('bench');
      for (;;) {
        const record = await app.get(BackupsService).get(requested.id, [BackupType.BASE]);
        if (record.status === BackupStatus.FAILED) throw new Error(`base backup failed: ${record.errorMessage}`);
        if (record.status === BackupStatus.COMPLETED) {
          storedMb = (record.storedBytes ?? 0) / 1048576;
          break;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      baseSeconds = seconds(baseStarted);
    } finally {
      await app.close();
      await deleteRedisKeys(config.redisUrl, `${queuePrefix}:*`);
    }
    log(`   base backup: ${baseSeconds.toFixed(1)} s, ${storedMb.toFixed(0)} MB stored`);

    // WAL to replay after the base backup, then the target, then more writes the recovery must not see.
    for (let i = 0; i < 5; i++) await sql(`insert into rows (tenant_id, email, amount) select gen_random_uuid(), 'after-base@tenant.example', 2 from generate_series(1, 100000)`);
    const [{ at }] = await sql<{ at: Date }>(`select date_trunc('milliseconds', clock_timestamp()) + interval '1 millisecond' as at`);
    const [{ count }] = await sql<{ count: string }>('select count(*) from rows');
    while (!(await sql<{ past: boolean }>('select clock_timestamp() > $1::timestamptz as past', [at]))[0].past);
    await sql(`insert into rows (tenant_id, email, amount) values (gen_random_uuid(), 'after-target@tenant.example', 3)`);
    await cluster.switchAndArchive(300_000);

    log('   dr restore --target-time with the CLI alone ...');
    const dataDir = join(cluster.root, 'recovered');
    const port = await freePort();
    const restore = await cli(['dr', 'restore', '--target-time', new Date(at).toISOString(), '--data-dir', dataDir, '--port', String(port)], env);
    const phase = (text: string) => restore.stderr.find((s) => s.line.startsWith(text))?.at ?? NaN;
    const recoveredCount = await new Client({ connectionString: `postgresql://postgres@127.0.0.1:${port}/platform` });
    await recoveredCount.connect();
    const [{ n }] = (await recoveredCount.query<{ n: string }>('select count(*) as n from rows')).rows;
    await recoveredCount.end();
    await stopServerAt(dataDir);
    if (n !== count) throw new Error(`the recovered platform has ${n} rows, ${count} at the target`);
    results.rto = {
      platformMb,
      baseBackupSeconds: baseSeconds,
      baseStoredMb: storedMb,
      recoverySeconds: restore.seconds,
      downloadAndUnpackSeconds: phase('starting server') - phase('downloading base backup'),
      replaySeconds: restore.seconds - phase('starting server'),
      rowsAtTarget: Number(count),
    };
    log(`   recovered ${platformMb} MB to the target in ${restore.seconds.toFixed(1)} s (download and unpack ${(phase('starting server') - phase('downloading base backup')).toFixed(1)} s, start and replay ${(restore.seconds - phase('starting server')).toFixed(1)} s); rows as at the target`);
    await admin.query(`DROP DATABASE IF EXISTS ${CATALOG_DB} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
