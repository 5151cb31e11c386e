import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { NEXT_STEPS, nextSteps } from './alert-next-steps';
import { ALERT_TYPES, AlertType } from './alert-notification';

describe('nextSteps', () => {
  it('has a runbook entry for every alert type, and nothing else', () => {
    expect(Object.keys(NEXT_STEPS).sort()).toEqual([...ALERT_TYPES].sort());
    for (const type of ALERT_TYPES) expect(nextSteps(type).length).toBeGreaterThan(40);
    expect(() => nextSteps('SOMETHING_ELSE' as AlertType)).toThrow(RangeError);
  });

  it('is repeated word for word in docs/ALERT-CHANNELS.md', () => {
    const doc = readFileSync(path.join(__dirname, '../../docs/ALERT-CHANNELS.md'), 'utf8');
    for (const type of ALERT_TYPES) expect(doc).toContain(`| \`${type}\` | ${NEXT_STEPS[type]} |`);
  });
});
