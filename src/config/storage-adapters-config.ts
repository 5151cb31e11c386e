import type { StorageAdaptersConfig } from '../../libs/storage/storage-adapters.factory';
import { AppConfig } from './app-config';

/** What libs/storage's createStorageAdapters needs from the configuration: the service and every CLI command map it here. */
export function storageAdaptersConfig(storage: AppConfig['storage']): StorageAdaptersConfig {
  const tuning = { partSize: storage.partSizeBytes, queueSize: storage.uploadConcurrency };
  return {
    providers: storage.providers,
    localPath: storage.localPath,
    b2: storage.b2 && { ...storage.b2, ...tuning },
    r2: storage.r2 && { ...storage.r2, ...tuning },
  };
}
