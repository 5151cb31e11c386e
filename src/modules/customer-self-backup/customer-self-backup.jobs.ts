export enum CustomerExportQueue {
  EXPORTS = 'customer-exports',
}

export enum CustomerExportJob {
  RUN = 'run-customer-export',
}

/** BullMQ custom ids may not contain ':'; deterministic ids make re-enqueueing a no-op. */
export const customerExportJobId = (backupId: string) => `customer-export-${backupId}`;
