/** Counts background work (webhook deliveries, scenarios) so tests can wait until there is none. */
export class WorkTracker {
  private pending = 0;
  private waiters: Array<() => void> = [];

  begin(): void {
    this.pending++;
  }

  end(): void {
    this.pending = Math.max(0, this.pending - 1);
    if (this.pending === 0) this.wakeAll();
  }

  get count(): number {
    return this.pending;
  }

  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Forget every pending piece of work (on stop): waiters resolve. */
  clear(): void {
    this.pending = 0;
    this.wakeAll();
  }

  private wakeAll(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
