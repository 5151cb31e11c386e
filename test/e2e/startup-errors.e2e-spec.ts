import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { apiOf } from '../support/api';
import { databaseUrl } from '../support/test-database';
import { startTestEnvironment } from '../support/test-app';

const MAIN = join(__dirname, '../../dist/src/main.js');

/** Runs the built service until it exits; what it printed, how it ended, and how long it took. */
function runUntilExit(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', JWT_SECRET: 'startup-errors-test-secret-of-32-chars!!', BACKUP_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'), SOURCE_DATABASE_URL: databaseUrl('postgres'), ...env } });
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // Past 20 s something hangs: end it, and let the assertions below say so.
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** What an operator sees when the service cannot start, or starts on a catalog it cannot use. */
describe('startup and readiness errors an operator can act on', () => {
  it('exits non-zero within 10 s with one line naming DATABASE_URL, its host and database, never its password', async () => {
    const result = await runUntilExit({ DATABASE_URL: 'postgresql://postgres:hunter2-do-not-print@127.0.0.1:1/nowhere' });
    expect(result.code).toBe(1);
    expect(result.ms).toBeLessThan(10_000);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^DATABASE_URL: cannot connect to postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/nowhere: .*ECONNREFUSED/)]);
    expect(result.stdout + result.stderr).not.toContain('hunter2');
  });

  it('names each unusable dependency: a catalog database that does not exist, an unreachable Redis', async () => {
    const result = await runUntilExit({ DATABASE_URL: databaseUrl('tv_test_no_such_catalog'), REDIS_URL: 'redis://:redis-secret@127.0.0.1:1/3' });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([expect.stringMatching(/^DATABASE_URL: .*tv_test_no_such_catalog.*does not exist/), expect.stringMatching(/^REDIS_URL: cannot connect to redis:\/\/:\*\*\*@127\.0\.0\.1:1\/3: /)]);
    expect(result.stderr).not.toContain('redis-secret');
  });

  it('is not ready on a catalog with migrations to apply, and says what to run', async () => {
    const env = await startTestEnvironment({ unmigratedCatalog: true });
    try {
      const { status, body } = await apiOf(env).http().get('/health/ready');
      expect(status).toBe(503);
      expect(body.message).toBe('failing: migrations');
      expect(body.error.migrations.message).toMatch(/catalog migration\(s\) not applied .*npm run migrate/);
      expect(body.info.redis.status).toBe('up');
    } finally {
      await env.close();
    }
  });
});
