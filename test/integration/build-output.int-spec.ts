import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** `npm test` builds dist/ with tsconfig.build.json before jest runs: what ships must hold no test code. */
describe('the production build (dist/)', () => {
  async function files(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { withFileTypes: true });
    const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? files(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]))));
    return nested.flat();
  }

  it('holds the service and no test support, spec or spec helper', async () => {
    const root = join(__dirname, '../../dist');
    const built = (await files(root)).map((f) => f.slice(root.length + 1));
    expect(built).toContain('src/main.js');
    expect(built).toContain('src/cli.js');
    expect(built.filter((f) => f.startsWith('test/') || f.startsWith('bench/') || /\.spec(-helpers)?\.js$/.test(f))).toEqual([]);
  });
});
