import { decideRange } from './byte-range';

const current = { etag: '"abc"', lastModified: new Date('2026-12-02T13:04:05.678Z') };
const decide = (range: string | undefined, ifRange?: string, size = 1000) => decideRange(size, range, ifRange, current);

describe('decideRange', () => {
  it('sends the whole file without a Range header', () => {
    expect(decide(undefined)).toEqual({ kind: 'whole' });
  });

  it('reads first-last, first- and -suffix ranges, cutting at the end of the file', () => {
    expect(decide('bytes=0-499')).toEqual({ kind: 'partial', start: 0, end: 499 });
    expect(decide('bytes=500-')).toEqual({ kind: 'partial', start: 500, end: 999 });
    expect(decide('bytes=990-5000')).toEqual({ kind: 'partial', start: 990, end: 999 });
    expect(decide('bytes=-100')).toEqual({ kind: 'partial', start: 900, end: 999 });
    expect(decide('bytes=-5000')).toEqual({ kind: 'partial', start: 0, end: 999 });
    expect(decide('Bytes=7-7')).toEqual({ kind: 'partial', start: 7, end: 7 });
  });

  it('answers unsatisfiable for a range that starts past the end or an empty suffix', () => {
    expect(decide('bytes=1000-')).toEqual({ kind: 'unsatisfiable' });
    expect(decide('bytes=1000-2000')).toEqual({ kind: 'unsatisfiable' });
    expect(decide('bytes=-0')).toEqual({ kind: 'unsatisfiable' });
    expect(decide('bytes=0-', undefined, 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it('ignores what is not one valid byte range, sending the whole file', () => {
    for (const header of ['bytes=0-1,5-9', 'items=0-5', 'bytes=-', 'bytes=9-3', 'bytes=a-b', 'bytes=99999999999999999999-', 'bytes 0-5']) {
      expect({ header, decision: decide(header) }).toEqual({ header, decision: { kind: 'whole' } });
    }
  });

  it('honours the range only when If-Range names the version being served', () => {
    expect(decide('bytes=500-', '"abc"')).toEqual({ kind: 'partial', start: 500, end: 999 });
    expect(decide('bytes=500-', 'Wed, 02 Dec 2026 13:04:05 GMT')).toEqual({ kind: 'partial', start: 500, end: 999 });
    expect(decide('bytes=500-', '"older"')).toEqual({ kind: 'whole' });
    expect(decide('bytes=500-', 'W/"abc"')).toEqual({ kind: 'whole' });
    expect(decide('bytes=500-', 'Tue, 01 Dec 2026 13:04:05 GMT')).toEqual({ kind: 'whole' });
  });
});
