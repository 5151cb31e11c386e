/** The platform database TenantVault protects (SOURCE_DATABASE_URL). */
export { PlatformModule } from './platform.module';
export { PlatformDatabase } from './platform-database.service';
export { TenantNotFoundError } from './platform.errors';
