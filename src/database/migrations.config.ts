import { MIGRATIONS } from '../../migrations';

/** Shared by the app and the migrate step; importing it loads no entity. */
// No schema snapshot file: migrations are written by hand, never generated from entity diffs.
export const MIGRATIONS_CONFIG = { migrationsList: MIGRATIONS, transactional: true, allOrNothing: true, tableName: 'mikro_orm_migrations', snapshot: false };
