import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';

/** One table of a tenant, as the export reads it: the same SELECT the baseline feeds to `\copy`. */
export interface TableQuery {
  /** `schema.table`, for file names and messages. */
  name: string;
  qualifiedName: string;
  /** Quoted column list of the COPY (generated columns left out, as the export does). */
  columns: string;
  /** The tenant's rows of the table, with the table aliased "t" (as the export's predicate expects). */
  predicate: string;
  /** `SELECT <columns> FROM <table> AS "t" WHERE <predicate>`. */
  select: string;
}

export interface BaselineRun {
  seconds: number;
  /** Bytes written (compressed output), or 0 where nothing is written. */
  outputBytes: number;
}

/**
 * Runs a shell pipeline under `bash -o pipefail`; values go in through the environment, never spliced into the
 * script, so queries need no shell quoting. Rejects with the tail of stderr when any stage fails.
 */
export function shell(script: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-4000)));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited with ${code}: ${stderr.trim()}`))));
  });
}

const PSQL = 'psql -X -q -v ON_ERROR_STOP=1 -d "$URL" -c "$CMD"';
const oneLine = (sql: string) => sql.replace(/\s+/g, ' ');

export const baselineFile = (dir: string, table: TableQuery) => path.join(dir, `${table.name}.copy.gz`);

/** `psql \copy (SELECT ...) TO STDOUT | gzip > file`, one table after the other. */
export async function baselineBackup(url: string, tables: TableQuery[], dir: string): Promise<BaselineRun> {
  const started = process.hrtime.bigint();
  for (const table of tables) {
    await shell(`${PSQL} | gzip > "$OUT"`, { URL: url, CMD: `\\copy (${oneLine(table.select)}) TO STDOUT`, OUT: baselineFile(dir, table) });
  }
  const seconds = elapsed(started);
  let outputBytes = 0;
  for (const table of tables) outputBytes += (await stat(baselineFile(dir, table))).size;
  return { seconds, outputBytes };
}

/** `gunzip | psql \copy ... FROM STDIN`, one table after the other in dependency order (the tenant's rows deleted first by the caller). */
export async function baselineRestore(url: string, tables: TableQuery[], dir: string): Promise<BaselineRun> {
  const started = process.hrtime.bigint();
  for (const table of tables) {
    await shell(`gunzip -c "$IN" | ${PSQL}`, { URL: url, CMD: `\\copy ${table.qualifiedName} (${table.columns}) FROM STDIN`, IN: baselineFile(dir, table) });
  }
  return { seconds: elapsed(started), outputBytes: 0 };
}

/** `pg_dump -Fc | openssl enc -aes-256-ctr > file`: pg_dump compresses (zlib, default level), openssl encrypts. */
export async function baselineDisaster(url: string, file: string): Promise<BaselineRun> {
  const started = process.hrtime.bigint();
  await shell('pg_dump -Fc -d "$URL" | openssl enc -aes-256-ctr -pass pass:x -pbkdf2 > "$OUT"', { URL: url, OUT: file });
  return { seconds: elapsed(started), outputBytes: (await stat(file)).size };
}

export function elapsed(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}
