/** Three projects: unit tests beside the code, integration and e2e tests under test/ against real services. */
const transform = { '^.+\\.ts$': ['@swc/jest'] };
const common = { transform, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'json'], modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/dist-bench/'] };

module.exports = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 120000,
  // Files that boot the app in-process cannot share a worker: MikroORM's metadata outlives a file's module
  // registry (mikro-orm/mikro-orm#4517). A tiny idle-memory limit recycles each worker after every file, and two
  // workers keep jest out of in-band mode, where no recycling happens.
  maxWorkers: 2,
  workerIdleMemoryLimit: '1MB',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/src/**/*.spec.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'] },
  ],
};
