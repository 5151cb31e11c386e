import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyText, readWholeArchive, writeArchive } from './archive.spec-helpers';

/** FORMAT promises that standard tools are enough: GNU tar lists and extracts the archive, `cat` rebuilds each table. */
describe('tenant archive read by the system tar', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'archive-tar-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the entries in archive order and extracts tables that cat back to the COPY text', async () => {
    const tables = { 'public.users': copyText(3000, 'user'), 'public.empty': Buffer.alloc(0), 'app.events': copyText(10, 'event') };
    const { tar } = await writeArchive(tables, 10_000);
    const tarFile = join(dir, 'backup.tar');
    writeFileSync(tarFile, tar);

    const listing = execFileSync('tar', ['-tf', tarFile], { encoding: 'utf8' }).trim().split('\n');
    const userParts = Math.ceil(tables['public.users'].length / 10_000);
    expect(listing).toEqual([
      'manifest.json',
      ...Array.from({ length: userParts }, (_, i) => `data/0001-public.users/${String(i + 1).padStart(6, '0')}.copy`),
      'data/0002-public.empty/000001.copy',
      'data/0003-app.events/000001.copy',
      'summary.json',
    ]);

    const out = join(dir, 'out');
    execFileSync('mkdir', [out]);
    execFileSync('tar', ['-xf', tarFile, '-C', out]);
    const cat = (table: string) => execFileSync('sh', ['-c', `cat ${table}/*.copy`], { cwd: out });
    expect(cat('data/0001-public.users')).toEqual(tables['public.users']);
    expect(cat('data/0002-public.empty')).toEqual(Buffer.alloc(0));
    expect(cat('data/0003-app.events')).toEqual(tables['app.events']);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).tables['public.users'].rows).toBe(3000);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).tables[0].file).toBe('data/0001-public.users/');
  });

  it('keeps odd identifiers to one safe directory, long names included', async () => {
    const long = 'x'.repeat(63);
    // 62 bytes of UTF-8 each, 186 characters once encoded: too long for ustar, so carried in a pax header.
    const accented = 'é'.repeat(31);
    const tables = {
      'public.a/../b': Buffer.from('1\n'),
      'Schéma.Tâble': Buffer.from('2\n'),
      [`${long}.${long}`]: Buffer.from('3\n'),
      [`${accented}.${accented}`]: Buffer.from('4\n'),
    };
    const { tar } = await writeArchive(tables);
    const tarFile = join(dir, 'backup.tar');
    writeFileSync(tarFile, tar);

    const listing = execFileSync('tar', ['-tf', tarFile], { encoding: 'utf8' }).trim().split('\n');
    const encoded = '%C3%A9'.repeat(31);
    expect(listing.slice(1, 5)).toEqual([
      'data/0001-public.a%2F..%2Fb/000001.copy',
      'data/0002-Sch%C3%A9ma.T%C3%A2ble/000001.copy',
      `data/0003-${long}.${long}/000001.copy`,
      `data/0004-${encoded}.${encoded}/000001.copy`,
    ]);
    expect((await readWholeArchive(tar)).tables).toEqual(tables);
  });
});
