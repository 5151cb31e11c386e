/** A seeded platform database for the demo (`npm start` without SOURCE_DATABASE_URL), the tests and the benchmarks. */
export { DEFAULT_TENANCY, DEMO_TENANTS, seedDemoPlatform } from './demo-platform';
