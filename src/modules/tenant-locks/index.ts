/** Per-tenant (and platform-wide) mutual exclusion of backups and restores, across replicas. */
export { TenantLocksModule } from './tenant-locks.module';
export { platformLockKey, TenantLocksService } from './tenant-locks.service';
export { TenantLock } from './tenant-lock.entity';
export { TenantBusyError } from './tenant-locks.errors';
