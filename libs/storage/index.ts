export * from './storage.port';
export * from './storage.errors';
export * from './storage-keys';
export * from './local-fs.adapter';
export * from './s3-compatible.adapter';
export * from './in-memory.adapter';
export * from './fan-out';
export * from './storage-adapters.factory';
