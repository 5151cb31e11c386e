/** Letters, digits and underscore pass; every other byte of the UTF-8 name is written `%XX`. */
const SAFE_BYTE = /^[A-Za-z0-9_]$/;

function encodeNamePart(part: string): string {
  let encoded = '';
  for (const byte of Buffer.from(part, 'utf8')) {
    const char = String.fromCharCode(byte);
    encoded += byte < 0x80 && SAFE_BYTE.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/**
 * `<schema>.<table>.csv`, percent-encoding every byte but ASCII letters, digits and `_`: the name is then valid on
 * every file system and in every shell quote, and its only dots are the separators, so it decodes to one table.
 */
export function csvFileName(schema: string, table: string): string {
  return `${encodeNamePart(schema)}.${encodeNamePart(table)}.csv`;
}

/**
 * The file names of `tables`, in order. Windows and macOS fold letter case, so a name equal to an earlier one but for
 * case gets `.2`, `.3`, ... before `.csv`; no encoded name has a third dot, so the suffixed name is free.
 */
export function csvFileNames(tables: readonly { schema: string; name: string }[]): string[] {
  const seen = new Map<string, number>();
  return tables.map(({ schema, name }) => {
    const file = csvFileName(schema, name);
    const folded = file.toLowerCase();
    const count = (seen.get(folded) ?? 0) + 1;
    seen.set(folded, count);
    return count === 1 ? file : `${file.slice(0, -'.csv'.length)}.${count}.csv`;
  });
}
