import { canonicalTarget, describePg, libpqEnv, parsePgUrl, sameDatabase, TARGET_URL_PARAMS } from './pg-connection';
import { conninfoValue, locatePgTool, redactSecrets } from './pg-tools';

describe('PostgreSQL connections', () => {
  it('parses a URL once into explicit fields, percent-decoding user, password and database', () => {
    expect(parsePgUrl('postgresql://backup:p%40ss%3Aword@DB.internal:6432/plat%2Dform?sslmode=require')).toEqual({
      host: 'db.internal',
      port: 6432,
      database: 'plat-form',
      user: 'backup',
      password: 'p@ss:word',
      sslmode: 'require',
      extra: {},
    });
    expect(parsePgUrl('postgres://u@[::1]/db')).toMatchObject({ host: '::1', port: 5432, database: 'db' });
  });

  it('refuses every query parameter but sslmode in a target, without quoting the URL or its password', () => {
    for (const param of ['dbname=other', 'host=10.0.0.9', 'password=hunter2', 'sslcert=/etc/shadow', 'passfile=/root/.pgpass', 'service=prod', 'options=-c%20x']) {
      const error = (() => {
        try {
          parsePgUrl(`postgresql://u:topsecret@h/db?${param}`, TARGET_URL_PARAMS);
        } catch (e) {
          return e as Error & { code: string };
        }
      })();
      expect(error).toMatchObject({ code: 'PG.INVALID_URL', message: expect.stringContaining(`"${param.split('=')[0]}"`) });
      expect(error!.message).not.toMatch(/topsecret|hunter2|shadow/);
    }
    expect(() => parsePgUrl('postgresql://u@h/db?sslmode=bogus')).toThrow(/sslmode must be one of/);
    expect(() => parsePgUrl('mysql://u@h/db')).toThrow(/postgresql:\/\//);
    expect(() => parsePgUrl('postgresql://u@h/')).toThrow(/one database/);
    expect(() => parsePgUrl('postgresql://u@h/a/b')).toThrow(/one database/);
  });

  it('describes a connection without its password', () => {
    expect(describePg(parsePgUrl('postgresql://u:secret@h:5433/db'))).toBe('postgresql://u:***@h:5433/db');
  });

  it('gives libpq exactly the parsed fields, no password in arguments, no password or service file', () => {
    const env = libpqEnv(parsePgUrl('postgresql://backup:p%40ss@db.internal:6432/platform?sslmode=require'));
    expect(env).toMatchObject({ PGHOST: 'db.internal', PGPORT: '6432', PGDATABASE: 'platform', PGUSER: 'backup', PGPASSWORD: 'p@ss', PGSSLMODE: 'require', PGPASSFILE: '/dev/null' });
    expect(env.BACKUP_ENCRYPTION_KEY).toBeUndefined();
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('quotes a database name so that libpq cannot read parameters out of it', () => {
    expect(conninfoValue("x host=evil")).toBe("'x host=evil'");
    expect(conninfoValue("it's\\")).toBe("'it\\'s\\\\'");
  });

  it('recognises the same database behind every spelling of this machine, and tells other databases apart', async () => {
    const catalog = parsePgUrl('postgresql://a@localhost/tv', 'any');
    for (const spelling of ['LOCALHOST', '127.0.0.1', '127.0.0.2', '0.0.0.0', '[::1]']) {
      expect(await sameDatabase(parsePgUrl(`postgres://b:x@${spelling}:5432/tv`), catalog)).toBe(true);
    }
    expect(await sameDatabase(parsePgUrl('postgresql://a@localhost/other'), catalog)).toBe(false);
    expect(await sameDatabase(parsePgUrl('postgresql://a@localhost:5433/tv'), catalog)).toBe(false);
    expect(await canonicalTarget(parsePgUrl('postgresql://a@LOCALHOST/tv'))).toBe(await canonicalTarget(parsePgUrl('postgresql://b@127.0.0.1:5432/tv')));
  });
});

describe('PostgreSQL client tools', () => {
  it('redacts passwords, raw or encoded, and any credentials in URLs', () => {
    expect(redactSecrets('auth failed for s3cr!t and s3cr%21t', ['s3cr!t'])).toBe('auth failed for *** and ***');
    expect(redactSecrets('could not reach postgres://admin:hunter2@other:5432/x', [])).toBe('could not reach postgres://admin:***@other:5432/x');
  });

  it('says what to install when a tool is missing or too old', async () => {
    await expect(locatePgTool('pg_dump', 15, ['/nonexistent'])).rejects.toMatchObject({ code: 'PG.TOOL_MISSING', message: expect.stringContaining('postgresql-client-15') });
    await expect(locatePgTool('pg_restore', 99)).rejects.toMatchObject({ code: 'PG.TOOL_VERSION', message: expect.stringMatching(/pg_restore 1\d\.\d+ .* too old.*PostgreSQL 99/) });
    await expect(locatePgTool('pg_dump', 15)).resolves.toMatchObject({ name: 'pg_dump', major: expect.any(Number) });
  });
});
