/** Generic async helpers of the intake: a promise against the clock, and work in bounded batches. */

export type Raced<T> = { kind: 'value'; value: T } | { kind: 'error'; error: unknown } | { kind: 'deadline' };

/** `promise` against the clock (`deadline`, epoch ms): its value, its error, or the deadline first. */
export async function raceDeadline<T>(promise: Promise<T>, deadline: number): Promise<Raced<T>> {
  let timer: NodeJS.Timeout | undefined;
  const settled = promise.then(
    (value): Raced<T> => ({ kind: 'value', value }),
    (error: unknown): Raced<T> => ({ kind: 'error', error }),
  );
  const late = new Promise<Raced<T>>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'deadline' }), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** `promise`'s value, or an error once `ms` passed. */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  const raced = await raceDeadline(promise, Date.now() + ms);
  if (raced.kind === 'value') return raced.value;
  throw raced.kind === 'error' ? raced.error : new Error(`timed out after ${ms} ms`);
}

/** Runs `fn` over `items`, at most `size` at a time; every outcome is kept, in order. */
export async function inBatches<T, R>(
  items: T[],
  size: number,
  fn: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const out: PromiseSettledResult<R>[] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(...(await Promise.allSettled(items.slice(i, i + size).map(fn))));
  }
  return out;
}

/**
 * Promises that outlive the request that made them (a late signal, a start sent as proof): kept so
 * the process can wait for them before its connection closes.
 */
export class BackgroundWork {
  private readonly pending = new Set<Promise<unknown>>();

  track<T>(work: Promise<T>): Promise<T> {
    const tracked = work.finally(() => this.pending.delete(tracked));
    tracked.catch(() => undefined); // its own caller handles the failure, if it still cares
    this.pending.add(tracked);
    return tracked;
  }

  /** Waits (at most `ms`) for what is still under way. */
  async drain(ms: number): Promise<void> {
    await raceDeadline(Promise.allSettled([...this.pending]), Date.now() + ms);
  }
}
