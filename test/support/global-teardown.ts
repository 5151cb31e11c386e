import { dropDatabase, templateDatabase } from './test-database';

/** Drops this run's templates; each test file drops its own databases. */
export default async function globalTeardown(): Promise<void> {
  await dropDatabase(templateDatabase('catalog'));
  await dropDatabase(templateDatabase('platform'));
}
