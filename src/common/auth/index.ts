export * from './principal';
export * from './auth.decorators';
export * from './jwt-tokens';
export * from './auth.guard';
