import { Migration20261123000000_catalog } from './Migration20261123000000_catalog';
import { Migration20261123010000_restores } from './Migration20261123010000_restores';
import { Migration20261123020000_disaster_restores } from './Migration20261123020000_disaster_restores';
import { Migration20261202000000_lifecycle } from './Migration20261202000000_lifecycle';
import { Migration20261202010000_backup_end_states } from './Migration20261202010000_backup_end_states';

/** Every migration, in order. Listed explicitly so the same list works from TypeScript (tests) and compiled JS. */
export const MIGRATIONS = [
  { name: 'Migration20261123000000_catalog', class: Migration20261123000000_catalog },
  { name: 'Migration20261123010000_restores', class: Migration20261123010000_restores },
  { name: 'Migration20261123020000_disaster_restores', class: Migration20261123020000_disaster_restores },
  { name: 'Migration20261202000000_lifecycle', class: Migration20261202000000_lifecycle },
  { name: 'Migration20261202010000_backup_end_states', class: Migration20261202010000_backup_end_states },
];
