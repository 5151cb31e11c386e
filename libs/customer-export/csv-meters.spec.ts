import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvRecordCounter, UTF8_BOM, Utf8BomPrefix } from './csv-meters';

async function count(chunks: Buffer[]): Promise<CsvRecordCounter> {
  const counter = new CsvRecordCounter();
  const out: Buffer[] = [];
  await pipeline(Readable.from(chunks), counter, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) out.push(chunk);
  });
  expect(Buffer.concat(out)).toEqual(Buffer.concat(chunks));
  return counter;
}

/** Every way of cutting `text` into two chunks, plus one byte at a time. */
function splits(text: string): Buffer[][] {
  const bytes = Buffer.from(text, 'utf8');
  const ways = [[bytes], [...bytes].map((b) => Buffer.from([b]))];
  for (let i = 1; i < bytes.length; i++) ways.push([bytes.subarray(0, i), bytes.subarray(i)]);
  return ways;
}

// What COPY ... (FORMAT csv, HEADER true) writes: quoted fields holding line feeds, CRLF, doubled quotes, commas.
const CSV = 'id,"na,me",bio\n1,"line one\nline two","say ""hi""\n"\n2,,""\n3,"\r\n",x\n4,ü 日本,"""\n"""\n';

describe('CsvRecordCounter', () => {
  it('counts records, not line feeds inside quoted fields, however the bytes are cut', async () => {
    for (const chunks of splits(CSV)) {
      const counter = await count(chunks);
      expect(counter.records).toBe(5);
      expect(counter.complete).toBe(true);
    }
  });

  it('counts a header-only file as one record and nothing as none', async () => {
    expect((await count([Buffer.from('a,b\n')])).records).toBe(1);
    const empty = await count([]);
    expect([empty.records, empty.complete]).toEqual([0, true]);
  });

  it('reports input that stops inside a quoted field or a line', async () => {
    const open = await count([Buffer.from('a\n"unterminated\n')]);
    expect([open.records, open.complete]).toEqual([1, false]);
    const cut = await count([Buffer.from('a\n1')]);
    expect([cut.records, cut.complete]).toEqual([1, false]);
  });
});

describe('Utf8BomPrefix', () => {
  async function run(chunks: Buffer[]): Promise<Buffer> {
    const out: Buffer[] = [];
    await pipeline(Readable.from(chunks), new Utf8BomPrefix(), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) out.push(chunk);
    });
    return Buffer.concat(out);
  }

  it('writes the byte order mark once, before the data', async () => {
    expect(await run([Buffer.from('a,'), Buffer.from('b\n')])).toEqual(Buffer.concat([UTF8_BOM, Buffer.from('a,b\n')]));
    expect(await run([])).toEqual(UTF8_BOM);
  });
});
