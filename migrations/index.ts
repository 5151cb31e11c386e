import { Migration20261123000000_catalog } from './Migration20261123000000_catalog';
import { Migration20261123010000_restores } from './Migration20261123010000_restores';
import { Migration20261123020000_disaster_restores } from './Migration20261123020000_disaster_restores';
import { Migration20261202000000_lifecycle } from './Migration20261202000000_lifecycle';
import { Migration20261202010000_backup_end_states } from './Migration20261202010000_backup_end_states';
import { Migration20261202020000_audit_outcomes } from './Migration20261202020000_audit_outcomes';
import { Migration20261202030000_cancel } from './Migration20261202030000_cancel';
import { Migration20261202110000_alerts } from './Migration20261202110000_alerts';
import { Migration20261202120000_retention } from './Migration20261202120000_retention';
import { Migration20261202130000_customer_exports } from './Migration20261202130000_customer_exports';
import { Migration20261202150000_point_in_time } from './Migration20261202150000_point_in_time';

/** Every migration, in order. Listed explicitly so the same list works from TypeScript (tests) and compiled JS. */
export const MIGRATIONS = [
  { name: 'Migration20261123000000_catalog', class: Migration20261123000000_catalog },
  { name: 'Migration20261123010000_restores', class: Migration20261123010000_restores },
  { name: 'Migration20261123020000_disaster_restores', class: Migration20261123020000_disaster_restores },
  { name: 'Migration20261202000000_lifecycle', class: Migration20261202000000_lifecycle },
  { name: 'Migration20261202010000_backup_end_states', class: Migration20261202010000_backup_end_states },
  { name: 'Migration20261202020000_audit_outcomes', class: Migration20261202020000_audit_outcomes },
  { name: 'Migration20261202030000_cancel', class: Migration20261202030000_cancel },
  { name: 'Migration20261202110000_alerts', class: Migration20261202110000_alerts },
  { name: 'Migration20261202120000_retention', class: Migration20261202120000_retention },
  { name: 'Migration20261202130000_customer_exports', class: Migration20261202130000_customer_exports },
  { name: 'Migration20261202150000_point_in_time', class: Migration20261202150000_point_in_time },
];
