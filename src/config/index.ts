export * from './app-config';
export * from './config.errors';
export * from './load-config';
export * from './dev-secrets';
export const APP_CONFIG = Symbol('APP_CONFIG');
export * from './duration';
export * from './storage-adapters-config';
