import { MIGRATIONS } from '../../migrations';

/** Shared by the app and the migrate step; importing it loads no entity. */
export const MIGRATIONS_CONFIG = { migrationsList: MIGRATIONS, transactional: true, allOrNothing: true, tableName: 'mikro_orm_migrations' };
