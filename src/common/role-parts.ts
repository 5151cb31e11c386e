/** Which parts of the service this process runs (APP_ROLE): HTTP controllers, queue workers, crons. */
export interface RoleParts {
  api: boolean;
  worker: boolean;
  scheduler: boolean;
}
