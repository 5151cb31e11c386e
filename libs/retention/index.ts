export * from './calendar-buckets';
export * from './retention-policy';
export * from './retention.errors';
export * from './retention-selection';
export * from './copy-rows-digest';
export * from './dump-data-counts';
