import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from './load-config';

const ROOT = join(__dirname, '../..');

/** Every variable loadConfig reads, recorded by handing it an environment that notes each lookup. */
function variablesRead(): Set<string> {
  const read = new Set<string>();
  const environment = (values: Record<string, string>) =>
    new Proxy(values, {
      get(target, name: string) {
        read.add(name);
        return target[name];
      },
    });
  const fallback = { jwtSecret: 'x'.repeat(32), encryptionKey: Buffer.alloc(32).toString('base64') };
  loadConfig(environment({}), fallback);
  // The S3 providers' variables are read only when they are selected and complete.
  const s3 = (prefix: string) => ({
    [`${prefix}_ENDPOINT_URL`]: 'http://127.0.0.1:9000',
    [`${prefix}_BUCKET_NAME`]: 'bucket',
    [`${prefix}_ACCESS_KEY_ID`]: 'id',
    [`${prefix}_SECRET_ACCESS_KEY`]: 'secret',
  });
  loadConfig(environment({ STORAGE_PROVIDERS: 'local,b2,r2', ...s3('B2'), ...s3('R2') }), fallback);
  return read;
}

describe('configuration documentation', () => {
  const variables = [...variablesRead()].sort();

  it('reads a plausible set of variables (the recorder works)', () => {
    expect(variables).toEqual(expect.arrayContaining(['DATABASE_URL', 'B2_REGION', 'R2_SECRET_ACCESS_KEY', 'STORAGE_QUOTA_B2_GB']));
  });

  it('names every variable in the README configuration table', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(variables.filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });

  it('lists every variable in .env.example', () => {
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const listed = new Set(example.split('\n').map((line) => /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(line)?.[1]));
    expect(variables.filter((name) => !listed.has(name))).toEqual([]);
  });
});
