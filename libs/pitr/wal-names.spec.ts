import { formatLsn, parseLsn } from './lsn';
import { PitrError } from './pitr.errors';
import { historyFileName, isWalFileName, parseWalFileName, segmentFileName, segmentStartLsn } from './wal-names';

const MiB = 1024 * 1024;

describe('WAL file names and positions', () => {
  it('reads and prints LSNs as PostgreSQL does, beyond 2^53 too', () => {
    expect(parseLsn('0/2000028')).toBe(0x2000028n);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
    expect(formatLsn(parseLsn('FFFFFFFF/FFFFFFFF'))).toBe('FFFFFFFF/FFFFFFFF');
    for (const bad of ['', '0/', '/1', '0x1/2', '1/2/3', '123456789/0']) expect(() => parseLsn(bad)).toThrow(PitrError);
  });

  it('names the segment holding an LSN, for 16 MiB and other segment sizes', () => {
    expect(segmentFileName(1, parseLsn('0/2000028'), 16 * MiB)).toBe('000000010000000000000002');
    expect(segmentFileName(2, parseLsn('1/FF000000'), 16 * MiB)).toBe('0000000200000001000000FF');
    expect(segmentFileName(1, parseLsn('0/2000028'), MiB)).toBe('000000010000000000000020');
    expect(segmentFileName(1, parseLsn('1/00100000'), MiB)).toBe('000000010000000100000001');
    expect(historyFileName(10)).toBe('0000000A.history');
  });

  it('parses every kind of file PostgreSQL archives, and maps segments back to positions', () => {
    expect(parseWalFileName('0000000100000003000000A1')).toEqual({ name: '0000000100000003000000A1', kind: 'segment', timeline: 1, log: 3, seg: 0xa1 });
    expect(parseWalFileName('00000002.history')).toEqual({ name: '00000002.history', kind: 'history', timeline: 2 });
    expect(parseWalFileName('000000010000000000000002.00000028.backup')).toMatchObject({ kind: 'backup', timeline: 1, seg: 2 });
    expect(parseWalFileName('000000010000000000000005.partial')).toMatchObject({ kind: 'partial', seg: 5 });
    expect(segmentStartLsn(parseWalFileName('0000000100000003000000A1'), 16 * MiB)).toBe((3n << 32n) + 0xa1n * 16n * BigInt(MiB));
    // Segment 0x100 does not exist with 16 MiB segments (256 per log id).
    expect(() => segmentStartLsn(parseWalFileName('000000010000000000000100'), 16 * MiB)).toThrow(PitrError);
  });

  it.each([
    ['lower-case hex', '0000000100000000000000ab'],
    ['a path', '../000000010000000000000002'],
    ['a traversal', '..'],
    ['too short', '00000001000000000000002'],
    ['a suffix', '000000010000000000000002.tmp'],
    ['RECOVERYXLOG', 'RECOVERYXLOG'],
    ['a newline', '000000010000000000000002\n'],
    ['timeline 0', '000000000000000000000002'],
  ])('refuses %s', (_label, name) => {
    if (name !== '000000000000000000000002') expect(isWalFileName(name)).toBe(false);
    expect(() => parseWalFileName(name)).toThrow(PitrError);
  });
});
