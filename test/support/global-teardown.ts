import { rm } from 'node:fs/promises';
import { dropDatabase, templateDatabase } from './test-database';

/** Drops this run's templates (each test file drops its own databases) and removes its temporary directory. */
export default async function globalTeardown(): Promise<void> {
  await dropDatabase(templateDatabase('catalog'));
  await dropDatabase(templateDatabase('platform'));
  if (process.env.TMPDIR && process.env.TV_TEST_TMP_PARENT && process.env.TMPDIR !== process.env.TV_TEST_TMP_PARENT) await rm(process.env.TMPDIR, { recursive: true, force: true });
}
