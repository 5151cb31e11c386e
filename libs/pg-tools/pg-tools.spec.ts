import { libpqConnection, locatePgTool, redactSecrets } from './postgres-tools';
import { sameDatabase } from './postgres-inspection';

describe('PostgreSQL client tools', () => {
  it('passes the password by environment only, never in the arguments', () => {
    const { args, env } = libpqConnection('postgresql://backup:p%40ss%3Aword@db.internal:6432/platform?sslmode=require');
    expect(args).toEqual(['--dbname=postgresql://backup@db.internal:6432/platform?sslmode=require']);
    expect(env.PGPASSWORD).toBe('p@ss:word');
    expect(env.BACKUP_ENCRYPTION_KEY).toBeUndefined();
    expect(libpqConnection('postgres://u@h/db?password=secret').args.join(' ')).not.toContain('secret');
  });

  it('redacts passwords, raw or decoded, and any credentials in URLs', () => {
    const url = 'postgresql://u:s3cr%21t@h/db';
    expect(redactSecrets('auth failed for s3cr!t and s3cr%21t', [url])).toBe('auth failed for *** and ***');
    expect(redactSecrets('could not reach postgres://admin:hunter2@other:5432/x', [])).toBe('could not reach postgres://admin:***@other:5432/x');
  });

  it('says what to install when a tool is missing or too old', async () => {
    await expect(locatePgTool('pg_dump', 15, ['/nonexistent'])).rejects.toMatchObject({ code: 'DISASTER.PG_TOOL_MISSING', message: expect.stringContaining('postgresql-client-15') });
    await expect(locatePgTool('pg_restore', 99)).rejects.toMatchObject({ code: 'DISASTER.PG_TOOL_VERSION', message: expect.stringMatching(/pg_restore 1\d\.\d+ .* too old.*PostgreSQL 99/) });
    await expect(locatePgTool('pg_dump', 15)).resolves.toMatchObject({ name: 'pg_dump', major: expect.any(Number) });
  });

  it('recognises the same database behind localhost and 127.0.0.1', () => {
    expect(sameDatabase('postgresql://a@localhost/tv', 'postgres://b:x@127.0.0.1:5432/tv')).toBe(true);
    expect(sameDatabase('postgresql://a@localhost/tv', 'postgresql://a@localhost/other')).toBe(false);
  });
});
