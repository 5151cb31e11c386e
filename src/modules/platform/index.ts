/** The platform database TenantVault protects (SOURCE_DATABASE_URL). */
export { PlatformModule } from './platform.module';
export { PlatformDatabase } from './platform-database.service';
export { PlatformUnavailableError, TenantNotFoundError } from './platform.errors';
