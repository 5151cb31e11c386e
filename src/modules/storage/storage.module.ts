import { Global, Module } from '@nestjs/common';
import { createStorageAdapters } from '../../../libs/storage';
import { APP_CONFIG, AppConfig } from '../../config';
import { StorageController } from './storage.controller';
import { StorageService } from './storage.service';
import { STORAGE_ADAPTERS } from './storage.tokens';

@Global()
@Module({
  controllers: [StorageController],
  providers: [
    {
      provide: STORAGE_ADAPTERS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) =>
        createStorageAdapters({ providers: config.storage.providers, localPath: config.storage.localPath, b2: config.storage.b2, r2: config.storage.r2 }),
    },
    StorageService,
  ],
  exports: [StorageService, STORAGE_ADAPTERS],
})
export class StorageModule {}
