import { PassThrough, Readable } from 'node:stream';
import { Client } from 'pg';
import { readDisasterArchive } from '../../../libs/archive/disaster-archive';
import { unsealStream } from '../../../libs/archive/sealed-archive';
import { KeyRing } from '../../../libs/crypto';
import { locatePgTool, majorOf, ParsedPgUrl, pgClientConfig, PgTool, runPgRestore } from '../../../libs/pg-tools';
import { DumpDataCounter } from '../../../libs/retention';
import { quoteQualified } from '../../../libs/tenant-data';
import { pgToolStream } from './pg-tool-stream';
import type { TableCheck } from './test-restore.entity';
import type { TestRestoreResult } from './tenant-test-restore';

export interface DisasterTestRestoreInput {
  stored: Readable;
  ring: KeyRing;
  expectedSha256: string;
  /** An empty scratch database. */
  scratch: ParsedPgUrl;
  /** Rows per table (`schema.table`) in the platform when it was dumped, if the backup recorded them. */
  sourceCounts?: Record<string, number>;
}

/**
 * The whole platform dump restored into an empty scratch database with pg_restore, as a disaster restore does, while a
 * second pg_restore reads the same bytes and counts each table's rows in the dump's data (the TOC's TABLE DATA
 * entries). Then every such table must exist in the scratch database with exactly that many rows, and as many as the
 * source had at backup time when the backup recorded it.
 */
export async function testRestoreDisaster(input: DisasterTestRestoreInput): Promise<TestRestoreResult> {
  const plain = unsealStream(input.stored, input.ring, { kind: 'platform' });
  let pgRestore: PgTool | undefined;
  let inDump: Record<string, number> | undefined;
  try {
    for await (const entry of readDisasterArchive(plain.stream)) {
      if (entry.kind === 'manifest') pgRestore = await locatePgTool('pg_restore', majorOf(entry.manifest.dump.version));
      else if (entry.kind === 'dump') inDump = await restoreAndCount(pgRestore!, input.scratch, entry.data);
      else if (entry.kind === 'summary' && plain.storedSha256() !== input.expectedSha256) {
        throw new Error(`the stored object's sha256 is ${plain.storedSha256()}, the catalog says ${input.expectedSha256}`);
      }
    }
  } catch (error) {
    return { tables: [], problem: `the backup did not restore: ${(error as Error).message}` };
  }
  if (!inDump) return { tables: [], problem: 'the disaster archive holds no dump' };

  const client = new Client(pgClientConfig(input.scratch, { application_name: 'tenantvault-test-restore' }));
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ schema: string; name: string }>(
      `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'`,
    );
    const restoredTables = new Map(rows.map((r) => [`${r.schema}.${r.name}`, r]));
    const tables: TableCheck[] = [];
    for (const [table, expectedRows] of Object.entries(inDump).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const sourceRows = input.sourceCounts?.[table];
      const found = restoredTables.get(table);
      if (!found) {
        tables.push({ table, expectedRows, restoredRows: 0, sourceRows, ok: false, problem: 'in the dump’s data but not in the restored database' });
        continue;
      }
      const { rows: counted } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteQualified(found.schema, found.name)}`);
      const restoredRows = Number(counted[0].n);
      const problems = [
        ...(restoredRows !== expectedRows ? [`restored ${restoredRows} rows, the dump holds ${expectedRows}`] : []),
        ...(sourceRows !== undefined && sourceRows !== restoredRows ? [`the platform had ${sourceRows} rows at backup time`] : []),
      ];
      tables.push({ table, expectedRows, restoredRows, sourceRows, ok: problems.length === 0, ...(problems.length > 0 ? { problem: problems.join('; ') } : {}) });
    }
    const bad = tables.filter((t) => !t.ok);
    return { tables, ...(bad.length > 0 ? { problem: `${bad.length} of ${tables.length} tables do not match the dump: ${bad.map((t) => t.table).join(', ')}` } : {}) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** One read of the dump feeds both pg_restore runs; the slower one sets the pace. Resolves with the dump's rows per table. */
async function restoreAndCount(pgRestore: PgTool, scratch: ParsedPgUrl, dump: Readable): Promise<Record<string, number>> {
  const toScratch = new PassThrough();
  const toCounter = new PassThrough();
  dump.once('error', (error) => [toScratch, toCounter].forEach((s) => s.destroy(error)));
  dump.pipe(toScratch);
  dump.pipe(toCounter);
  const counter = new DumpDataCounter();
  const counting = (async () => {
    for await (const chunk of pgToolStream(pgRestore, ['--data-only', '--file=-'], scratch, toCounter)) counter.update(chunk as Buffer);
    return counter.result();
  })();
  try {
    const [, counts] = await Promise.all([runPgRestore(pgRestore, scratch, toScratch, { clean: false }), counting]);
    return counts;
  } finally {
    // Whichever failed first, the other must not wait for input that will never come.
    counting.catch(() => undefined);
    for (const stream of [toScratch, toCounter]) if (!stream.readableEnded) stream.destroy();
  }
}
