const NEWLINE = 0x0a;
const COPY_HEADER = /^COPY (.+?) (?:\(.*\) )?FROM stdin;$/;
/** A COPY header line is one table name and its columns; anything longer outside a COPY block is not pg_restore's output. */
const MAX_HEADER_BYTES = 1024 * 1024;

/**
 * Rows per table in the data of a custom-format dump, counted from the SQL script `pg_restore --data-only --file=-`
 * writes: each table's rows come as `COPY schema.table (...) FROM stdin;`, one line per row, then `\.` (COPY text
 * escapes newlines and backslashes inside values, so a row is never `\.`). This is what the dump holds, table by
 * table, independent of the database the dump is restored into. Keys are `schema.table`, unquoted.
 */
export class DumpDataCounter {
  private readonly counts: Record<string, number> = {};
  private table: string | undefined;
  private partial: Buffer[] = [];
  private partialBytes = 0;

  update(chunk: Buffer): void {
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      this.endLine(chunk.subarray(start, end));
      start = end + 1;
    }
    if (start < chunk.length) this.keepPartial(chunk.subarray(start));
  }

  /** Call once, after the last chunk. Throws if the script stopped inside a table's rows. */
  result(): Record<string, number> {
    if (this.table !== undefined) throw new Error(`the dump's data for ${this.table} ended before its end marker`);
    return { ...this.counts };
  }

  private keepPartial(bytes: Buffer): void {
    // Inside a COPY block only "is this line \\." matters: a few bytes of a long row are enough to say no.
    this.partialBytes += bytes.length;
    if (this.table === undefined && this.partialBytes > MAX_HEADER_BYTES) throw new Error(`a line of more than ${MAX_HEADER_BYTES} bytes outside any table's data`);
    if (this.table === undefined || this.partialBytes <= 3) this.partial.push(bytes);
  }

  private endLine(tail: Buffer): void {
    const length = this.partialBytes + tail.length;
    const line = this.partial.length > 0 ? Buffer.concat([...this.partial, tail]) : tail;
    this.partial = [];
    this.partialBytes = 0;
    if (this.table !== undefined) {
      if (length === 2 && line[0] === 0x5c && line[1] === 0x2e) {
        this.table = undefined;
      } else {
        this.counts[this.table] += 1;
      }
      return;
    }
    const header = COPY_HEADER.exec(line.toString('utf8'));
    if (!header) return; // comments, SET, setval(): not rows
    this.table = unquoteQualified(header[1]);
    this.counts[this.table] ??= 0;
  }
}

/** `schema.table` from pg_dump's quoting (`public.users`, `"My Schema"."Odd ""name"""`), unquoted. */
export function unquoteQualified(name: string): string {
  const parts: string[] = [];
  let at = 0;
  while (at < name.length) {
    let part = '';
    if (name[at] === '"') {
      at += 1;
      for (;;) {
        if (at >= name.length) throw new Error(`unterminated quoted identifier in ${JSON.stringify(name.slice(0, 200))}`);
        if (name[at] === '"' && name[at + 1] === '"') {
          part += '"';
          at += 2;
        } else if (name[at] === '"') {
          at += 1;
          break;
        } else {
          part += name[at++];
        }
      }
    } else {
      while (at < name.length && name[at] !== '.') part += name[at++];
    }
    parts.push(part);
    if (at < name.length) {
      if (name[at] !== '.') throw new Error(`unexpected ${JSON.stringify(name[at])} in ${JSON.stringify(name.slice(0, 200))}`);
      at += 1;
    }
  }
  if (parts.length !== 2) throw new Error(`not a schema-qualified table name: ${JSON.stringify(name.slice(0, 200))}`);
  return parts.join('.');
}
