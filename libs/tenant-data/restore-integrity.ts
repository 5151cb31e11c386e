import { ClientBase } from 'pg';
import { quoteIdent } from './sql-quoting';
import { ForeignKeySpec, TableSpec } from './tenant-data.types';

/** Rows a restore wrote into `table`: a relation (the table or a copy of the new rows' key columns) and a condition. */
export interface RestoredRows {
  table: TableSpec;
  /** `"schema"."table"` or a temp table, aliased `"t"` by the check. */
  relation: string;
  /** Condition on `"t"`. */
  where: string;
}

/**
 * With triggers off the load bypasses PostgreSQL's own foreign-key checks, so this repeats them for the rows written:
 * one anti-join per key, using the referenced table's unique index. MATCH SIMPLE semantics, the default: a key with
 * a NULL column references nothing. Returns one sentence per violated key, with an example, for the error message.
 */
export async function findDanglingReferences(client: ClientBase, restored: RestoredRows[]): Promise<string[]> {
  const violations: string[] = [];
  for (const rows of restored) {
    for (const fk of rows.table.foreignKeys) {
      const { rows: found } = await client.query<string[]>({ text: danglingReferenceSql(rows, fk), rowMode: 'array' });
      if (found.length > 0) {
        violations.push(`${rows.table.qualifiedName} (${fk.columns.join(', ')})=(${found[0].join(', ')}) has no row in ${fk.references} (${fk.name})`);
      }
    }
  }
  return violations;
}

function danglingReferenceSql(rows: RestoredRows, fk: ForeignKeySpec): string {
  const columns = fk.columns.map((c) => `"t".${quoteIdent(c)}`);
  const match = fk.columns.map((c, i) => `"ref".${quoteIdent(fk.referencedColumns[i])} = "t".${quoteIdent(c)}`).join(' AND ');
  return `SELECT ${columns.map((c) => `${c}::text`).join(', ')} FROM ${rows.relation} AS "t"
    WHERE (${rows.where}) AND ${columns.map((c) => `${c} IS NOT NULL`).join(' AND ')}
      AND NOT EXISTS (SELECT 1 FROM ${fk.references} AS "ref" WHERE ${match})
    LIMIT 1`;
}

/**
 * Moves each sequence the table owns past the values now in its column, so the platform's next insert does not
 * collide with a restored id. Never backwards: other tenants draw from the same sequence. nextval() ignores
 * transactions, so the comparison and setval() are one statement, leaving no gap for another session to slip into.
 */
export async function advanceSequences(client: ClientBase, table: TableSpec): Promise<void> {
  for (const { column, sequence } of table.sequences) {
    const { rows } = await client.query<{ ascending: boolean }>('SELECT seqincrement > 0 AS ascending FROM pg_sequence WHERE seqrelid = $1::regclass', [sequence]);
    const [extreme, beyond] = rows[0].ascending ? ['max', '>'] : ['min', '<'];
    await client.query(
      `SELECT setval($1::regclass, "x"."v")
       FROM (SELECT ${extreme}(${quoteIdent(column)})::bigint AS "v" FROM ${table.qualifiedName}) AS "x", ${sequence} AS "s"
       WHERE "x"."v" ${beyond} "s"."last_value" OR ("x"."v" = "s"."last_value" AND NOT "s"."is_called")`,
      [sequence],
    );
  }
}
