import { CopyRowsDigest } from './copy-rows-digest';

function digestOf(chunks: (string | Buffer)[]) {
  const digest = new CopyRowsDigest();
  for (const chunk of chunks) digest.update(Buffer.from(chunk));
  return digest.result();
}

const ROWS = ['1\tAcme \\t tab\t\\N\n', '2\tΩmega\t{"a": 1}\n', '3\tline\\nbreak\t\\\\x00\n'];

describe('CopyRowsDigest', () => {
  it('gives the same rows, bytes and digest for the same rows in any order and any chunking', () => {
    const forward = digestOf([ROWS.join('')]);
    const backward = digestOf([...ROWS].reverse());
    const byteByByte = digestOf([...Buffer.from(ROWS.join(''))].map((b) => Buffer.from([b])));
    expect(forward).toEqual(backward);
    expect(forward).toEqual(byteByByte);
    expect(forward.rows).toBe(3);
    expect(forward.bytes).toBe(Buffer.byteLength(ROWS.join('')));
    expect(forward.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('tells apart a changed value, a dropped row and a duplicated one', () => {
    const original = digestOf(ROWS);
    expect(digestOf([ROWS[0], ROWS[1], ROWS[2].replace('break', 'brake')]).digest).not.toBe(original.digest);
    expect(digestOf([ROWS[0], ROWS[1]])).not.toEqual(original);
    const duplicated = digestOf([ROWS[0], ROWS[1], ROWS[1]]);
    expect(duplicated.rows).toBe(3);
    expect(duplicated.digest).not.toBe(original.digest);
  });

  it('counts nothing for no text, and a last line without newline as a row', () => {
    expect(digestOf([])).toEqual({ rows: 0, bytes: 0, digest: '0'.repeat(64) });
    expect(digestOf(['1\tx']).rows).toBe(1);
  });
});
