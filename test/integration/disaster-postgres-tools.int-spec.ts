import { Readable } from 'node:stream';
import { Client } from 'pg';
import { sequenceValues, tableContentHashes } from '../support/table-hashes';
import { createTestDatabase, databaseUrl, TestDatabase } from '../support/test-database';
import { inspectSource, inspectTarget, locatePgTool, parsePgUrl, PgTool, pgDumpStream, runPgRestore } from '../../libs/pg-tools';

/** pg_dump and pg_restore as the disaster backup drives them: streamed, failing loudly, never echoing a password. */
describe('pg_dump / pg_restore streams (real PostgreSQL)', () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let pgDump: PgTool;
  let pgRestore: PgTool;

  async function fingerprint(url: string) {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return { tables: await tableContentHashes(client), sequences: await sequenceValues(client) };
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    source = await createTestDatabase('platform', 'pgtools');
    target = await createTestDatabase(undefined, 'pgtools');
    pgDump = await locatePgTool('pg_dump', (await inspectSource(parsePgUrl(source.url))).serverMajor);
    pgRestore = await locatePgTool('pg_restore', pgDump.major);
  });

  afterAll(async () => {
    await source?.drop();
    await target?.drop();
  });

  it('streams a dump straight into pg_restore: the copy equals the source', async () => {
    expect(await inspectTarget(parsePgUrl(target.url))).toMatchObject({ userObjects: 0 });
    expect((await inspectTarget(parsePgUrl(source.url))).userObjects).toBeGreaterThan(10);
    await runPgRestore(pgRestore, parsePgUrl(target.url), pgDumpStream(pgDump, parsePgUrl(source.url)), { clean: false });
    expect(await fingerprint(target.url)).toEqual(await fingerprint(source.url));
  });

  it('errors the stream when pg_dump exits non-zero, with its reason and without the password', async () => {
    const url = databaseUrl('tv_test_pgtools_missing').replace('postgres@', 'postgres:pw-that-must-not-leak@');
    const consume = async () => {
      for await (const _ of pgDumpStream(pgDump, parsePgUrl(url)));
    };
    const error = await consume().catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'PG.TOOL_FAILED', message: expect.stringMatching(/^pg_dump exited with code 1: .*database "tv_test_pgtools_missing" does not exist/) });
    expect((error as Error).message).not.toContain('pw-that-must-not-leak');
  });

  it('fails with pg_restore’s reason on input that is not a dump, and with the input’s error when the download fails', async () => {
    await expect(runPgRestore(pgRestore, parsePgUrl(target.url), Readable.from([Buffer.from('not a dump at all')]), { clean: true })).rejects.toMatchObject({
      code: 'PG.TOOL_FAILED',
      message: expect.stringMatching(/pg_restore exited with code 1: .*(valid archive|not a valid)/),
    });
    const failure = new Error('download interrupted');
    const broken = Readable.from(
      (async function* () {
        yield Buffer.from('PGDMP');
        throw failure;
      })(),
    );
    await expect(runPgRestore(pgRestore, parsePgUrl(target.url), broken, { clean: true })).rejects.toBe(failure);
  });

  it('names the database it cannot reach, redacted', async () => {
    await expect(inspectTarget(parsePgUrl(databaseUrl('tv_test_pgtools_missing').replace('postgres@', 'postgres:pw-that-must-not-leak@')))).rejects.toMatchObject({
      code: 'PG.DATABASE_UNREACHABLE',
      message: expect.stringMatching(/^cannot connect to the target database at postgresql:\/\/postgres:\*\*\*@.*does not exist$/),
    });
  });
});
