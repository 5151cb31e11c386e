import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseBackupLabel, parseManifestWalRange } from './base-backup';
import { parseLsn } from './lsn';
import { confString, pgTimestamp, recoveryConfBlock, shellQuote } from './recovery-config';

const run = promisify(execFile);

describe('recovery configuration', () => {
  it('quotes restore_command for the shell and for postgresql.conf, so no path can break out', async () => {
    const args = ['/usr/bin/printf', '%s|', "it's", '$HOME', '`id`', 'a b'];
    const command = args.map(shellQuote).join(' ');
    expect((await run('/bin/sh', ['-c', command])).stdout).toBe("%s|it's|$HOME|`id`|a b|".replace('%s|', ''));
    expect(confString("it's")).toBe("'it''s'");
    expect(() => confString('a\nb')).toThrow();
  });

  it('writes the target in a form recovery_target_time accepts, and switches archiving off unless asked to keep it', () => {
    expect(pgTimestamp(new Date('2026-12-02T14:32:00.123Z'))).toBe('2026-12-02 14:32:00.123+00');
    const block = recoveryConfBlock({ restoreCommand: 'x %f %p', targetTime: new Date('2026-12-02T14:32:00Z'), action: 'pause', port: 5499, keepArchiving: false, scratchSocketDir: '/tmp/s' }, '/data');
    expect(block).toContain("recovery_target_time = '2026-12-02 14:32:00.000+00'");
    expect(block).toContain("recovery_target_action = 'pause'");
    expect(block).toContain('archive_mode = off');
    expect(block).toContain("listen_addresses = ''");
    expect(block).toContain("hba_file = '/data/pg_hba.conf'");
    const kept = recoveryConfBlock({ restoreCommand: 'x', action: 'promote', port: 5499, keepArchiving: true }, '/data');
    expect(kept).not.toContain('archive_mode');
    expect(kept).not.toMatch(/recovery_target_time =/);
  });
});

describe('base backup facts', () => {
  it('reads backup_label and the end of the manifest', () => {
    const label = 'START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\nCHECKPOINT LOCATION: 0/2000060\nBACKUP METHOD: streamed\nBACKUP FROM: primary\nSTART TIME: 2026-12-02 16:26:12 UTC\nLABEL: tenantvault base x\nSTART TIMELINE: 1\n';
    expect(parseBackupLabel(label)).toEqual({ startLsn: parseLsn('0/2000028'), startedAt: new Date('2026-12-02T16:26:12Z'), timeline: 1, label: 'tenantvault base x' });
    const tail = '...{ "Path": "global/pg_control", "Size": 8192 }\n],\n"WAL-Ranges": [\n{ "Timeline": 1, "Start-LSN": "0/2000028", "End-LSN": "0/2000100" }\n],\n"Manifest-Checksum": "abc"}\n';
    expect(parseManifestWalRange(tail)).toEqual({ stopLsn: parseLsn('0/2000100'), stopTimeline: 1 });
    expect(() => parseManifestWalRange('{}')).toThrow(/no WAL range/);
  });
});
