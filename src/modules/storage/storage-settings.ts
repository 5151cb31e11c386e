import { createStorageAdapters, StoragePort } from '../../../libs/storage';
import { AppConfig } from '../../config';

/** The configured adapters, primary first; the service and the CLI build them the same way. */
export function adaptersFromConfig(storage: AppConfig['storage']): StoragePort[] {
  const tuning = { partSize: storage.partSizeBytes, queueSize: storage.uploadConcurrency };
  return createStorageAdapters({
    providers: storage.providers,
    localPath: storage.localPath,
    b2: storage.b2 && { ...storage.b2, ...tuning },
    r2: storage.r2 && { ...storage.r2, ...tuning },
  });
}
