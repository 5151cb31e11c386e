/** Thrown into a running pipeline when an operator cancels its operation. */
export class CancelledError extends Error {
  constructor(readonly by: string) {
    super(`cancelled by ${by}`);
    this.name = 'CancelledError';
  }
}

/**
 * An operator's cancel, as seen by the process running the work: requested once (the runner's heartbeat reads it
 * from the catalog), it reaches whatever stream is running now, and whatever starts later can ask first.
 */
export class Cancellation {
  private requestedBy: string | undefined;
  private readonly listeners = new Set<(error: CancelledError) => void>();

  get error(): CancelledError | undefined {
    return this.requestedBy === undefined ? undefined : new CancelledError(this.requestedBy);
  }

  request(by: string): void {
    if (this.requestedBy !== undefined) return;
    this.requestedBy = by;
    for (const listener of this.listeners) listener(new CancelledError(by));
  }

  /** Throws the CancelledError if a cancel was requested. */
  throwIfRequested(): void {
    const error = this.error;
    if (error) throw error;
  }

  /** Calls `stop` now if cancelled already, else when it is; returns the unsubscribe function. */
  onRequest(stop: (error: CancelledError) => void): () => void {
    const error = this.error;
    if (error) stop(error);
    this.listeners.add(stop);
    return () => this.listeners.delete(stop);
  }
}
