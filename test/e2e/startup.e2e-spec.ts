import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DEMO_TENANTS } from '../../libs/demo-platform';
import { runCli } from '../support/backup-files';
import { deleteRedisKeys } from '../support/redis-keys';
import { databaseUrl, dropDatabase } from '../support/test-database';
import { waitFor } from '../support/wait-for';

const MAIN = join(__dirname, '../../dist/src/main.js');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * What `npm start` does on a fresh machine (migrate, then serve) with nothing configured: generated dev secrets,
 * local storage under the working directory, a seeded demo platform database. Only the database names and the
 * queue prefix are set, so the test cannot touch a developer's real `tenantvault` databases.
 */
describe('npm start on local defaults', () => {
  const suffix = randomBytes(4).toString('hex');
  const catalogName = `tv_test_startup_${suffix}`;
  const demoName = `tv_test_demo_${suffix}`;
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  let cwd: string;
  let server: ChildProcess | undefined;
  let env: Record<string, string>;
  let base: string;

  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'tv-start-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = { PATH: process.env.PATH ?? '', PORT: String(port), DATABASE_URL: databaseUrl(catalogName), DEMO_DATABASE_URL: databaseUrl(demoName), REDIS_URL: redisUrl, QUEUE_PREFIX: `tvstart${suffix}` };
  });

  afterAll(async () => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
    await dropDatabase(catalogName);
    await dropDatabase(demoName);
    await deleteRedisKeys(redisUrl, `tvstart${suffix}:*`);
    await rm(cwd, { recursive: true, force: true });
  });

  it('migrates, serves /docs and /health/ready, backs up a demo tenant to local storage and shuts down cleanly', async () => {
    const run = (args: string[]) => runCli(args, env, cwd);
    await run(['migrate']);
    expect(existsSync(join(cwd, '.tenantvault/dev-secrets.json'))).toBe(true);

    let output = '';
    server = spawn(process.execPath, [MAIN], { cwd, env });
    server.stdout!.on('data', (d) => (output += d));
    server.stderr!.on('data', (d) => (output += d));
    const ready = await waitFor(`readiness (output so far: ${output.slice(-500)})`, async () => {
      const res = await fetch(`${base}/health/ready`);
      return res.status === 200 ? ((await res.json()) as { status: string }) : undefined;
    });
    expect(ready.status).toBe('ok');
    expect((await fetch(`${base}/docs`)).status).toBe(200);

    const token = (await run(['token', '--role', 'super_admin', '--sub', 'newcomer'])).stdout.trim();
    const tenantId = DEMO_TENANTS.A.id;
    const created = await fetch(`${base}/api/super-admin/backups/tenant/${tenantId}`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    const done = await waitFor('the backup to complete', async () => {
      const body = (await (await fetch(`${base}/api/super-admin/backups/${id}`, { headers: { Authorization: `Bearer ${token}` } })).json()) as { status: string };
      return body.status === 'COMPLETED' || body.status === 'FAILED' ? body : undefined;
    });
    expect(done.status).toBe('COMPLETED');
    const month = join(cwd, '.tenantvault/storage/tenants', tenantId);
    expect(existsSync(month)).toBe(true);
    expect(output).not.toContain(token);

    // Stops taking work, lets running jobs finish (or hands them back after SHUTDOWN_TIMEOUT_SECONDS), says so, exits 0.
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => server!.once('exit', (code, signal) => resolve({ code, signal })));
    server.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(output).toMatch(/SIGTERM received: shutting down; 0 running job\(s\) get up to 30 s to finish/);
    expect(output).toMatch(/stopped/);
    expect(output).not.toMatch(/\x1b\[/); // no colour codes when stdout is not a terminal
    expect((await readdir(month)).length).toBe(1);
  });
});
