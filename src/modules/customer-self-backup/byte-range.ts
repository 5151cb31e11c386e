/** What to send for a request's `Range`: the whole file (200), one range of it (206), or nothing (416). */
export type RangeDecision = { kind: 'whole' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/i;

/**
 * One byte range of a file of `size` bytes (RFC 9110 §14), so that an interrupted download resumes where it stopped.
 * What is not a single valid `bytes=` range (several ranges, garbage) is ignored and the whole file is sent, as the
 * RFC allows; so is a `Range` under an `If-Range` that names another version of the file.
 */
export function decideRange(size: number, range: string | undefined, ifRange: string | undefined, current: { etag: string; lastModified: Date }): RangeDecision {
  if (!range) return { kind: 'whole' };
  if (ifRange && !sameVersion(ifRange.trim(), current)) return { kind: 'whole' };
  const match = SINGLE_RANGE.exec(range.trim());
  if (!match || (match[1] === '' && match[2] === '')) return { kind: 'whole' };
  const first = match[1] === '' ? undefined : Number(match[1]);
  const last = match[2] === '' ? undefined : Number(match[2]);
  if ((first !== undefined && !Number.isSafeInteger(first)) || (last !== undefined && !Number.isSafeInteger(last))) return { kind: 'whole' };
  if (first === undefined) {
    // `bytes=-n`: the last n bytes.
    if (last === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - last!), end: size - 1 };
  }
  if (last !== undefined && last < first) return { kind: 'whole' };
  if (first >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start: first, end: Math.min(last ?? size - 1, size - 1) };
}

/** If-Range holds an entity tag or an HTTP date; either must name exactly the version being served. */
function sameVersion(ifRange: string, current: { etag: string; lastModified: Date }): boolean {
  if (ifRange.startsWith('"') || ifRange.startsWith('W/')) return ifRange === current.etag;
  const date = Date.parse(ifRange);
  return !Number.isNaN(date) && date === Math.floor(current.lastModified.getTime() / 1000) * 1000;
}
