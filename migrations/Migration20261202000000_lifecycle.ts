import { Migration } from '@mikro-orm/migrations';

/**
 * A disaster restore holds a platform lock on its target (one restore per target database, across replicas); the
 * record keeps the lock's key so that whoever ends the restore (worker, sweep, cancel) frees exactly that lock.
 */
export class Migration20261202000000_disaster_restore_lock extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table disaster_restores add column lock_key uuid null`);
  }
}
