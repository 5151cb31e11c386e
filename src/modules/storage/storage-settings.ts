import { createStorageAdapters, StoragePort } from '../../../libs/storage';
import { AppConfig, storageAdaptersConfig } from '../../config';

/** The configured adapters, primary first; the service and the CLI build them the same way. */
export function adaptersFromConfig(storage: AppConfig['storage']): StoragePort[] {
  return createStorageAdapters(storageAdaptersConfig(storage));
}
