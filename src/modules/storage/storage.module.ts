import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config';
import { adaptersFromConfig } from './storage-settings';
import { StorageService } from './storage.service';
import { STORAGE_ADAPTERS } from './storage.tokens';

/** The providers, for every context; /storage/status is served by Retention, which knows the catalog's totals. */
@Global()
@Module({
  providers: [
    {
      provide: STORAGE_ADAPTERS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => adaptersFromConfig(config.storage),
    },
    StorageService,
  ],
  exports: [StorageService, STORAGE_ADAPTERS],
})
export class StorageModule {}
