/**
 * The bare worker's only activity. It does nothing but say when it ran: to the bench process over
 * the IPC channel (the bench paces a life's next signal on it), and as its result.
 */
import { performance } from 'node:perf_hooks';

export interface ActivityRan {
  kind: 'activity';
  workflowId: string;
  seq: number;
  /** epoch ms, sub-millisecond */
  at: number;
}

export function createBareActivities(notify: ((message: ActivityRan) => void) | undefined) {
  return {
    async noop(workflowId: string, seq: number): Promise<number> {
      const at = performance.timeOrigin + performance.now();
      // seq 0 is the create activity: the update's answer tells the bench already.
      if (seq > 0) notify?.({ kind: 'activity', workflowId, seq, at });
      return at;
    },
  };
}

export type BareActivities = ReturnType<typeof createBareActivities>;
