/** A start-up failure of `npm run cluster` that is shown as one line, without a stack. */
export class ClusterError extends Error {
  override name = 'ClusterError';
}

export type Log = (line: string) => void;
