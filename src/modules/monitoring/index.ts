/** Monitoring context: GET /api/super-admin/monitoring and the Prometheus metrics (GET /metrics). */
export { MonitoringModule } from './monitoring.module';
