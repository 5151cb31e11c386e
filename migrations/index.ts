import { Migration20261123000000_catalog } from './Migration20261123000000_catalog';

/** Every migration, in order. Listed explicitly so the same list works from TypeScript (tests) and compiled JS. */
export const MIGRATIONS = [{ name: 'Migration20261123000000_catalog', class: Migration20261123000000_catalog }];
