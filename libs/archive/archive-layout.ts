/** Entry names of a tenant archive (docs/FORMAT.md, "Tenant archive"). */

export const MANIFEST_ENTRY = 'manifest.json';
export const SUMMARY_ENTRY = 'summary.json';

/** Table and part numbers are zero-padded to fixed widths so that `ls`/`cat *` order is the archive order. */
export const MAX_TABLES = 9999;
export const MAX_PARTS_PER_TABLE = 999_999;

/**
 * `data/<nnnn>-<schema>.<table>/` for the table at 1-based `position`.
 * PostgreSQL allows any character in a quoted identifier, '/' included, so bytes outside
 * [A-Za-z0-9_$.-] are percent-encoded: the path stays one plain ASCII directory. The
 * number prefix alone makes it unique; the name is there for people listing the tar.
 */
export function tableDataDir(position: number, schema: string, table: string): string {
  return `data/${pad(position, 4)}-${encodeSegment(schema)}.${encodeSegment(table)}/`;
}

/** `<dir><pppppp>.copy` for the 1-based part number. */
export function partEntryName(dir: string, part: number): string {
  return `${dir}${pad(part, 6)}.copy`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function encodeSegment(name: string): string {
  let out = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_$.-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
