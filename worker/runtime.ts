/**
 * The Temporal runtime of a process: SDK and workflow logs (`log` in workflow code) go to pino,
 * and the process decides itself when to shut down (no SDK signal handlers), so `npm start` can
 * stop the API before the worker and the worker before the sandboxes.
 */
import { Runtime, type LogLevel, type LogMetadata } from '@temporalio/worker';
import type { Logger } from '../observability/logger';

let installed = false;

export function installRuntime(logger: Logger): void {
  if (installed) return;
  installed = true;
  const forward = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const target = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' }[level] as 'info';
    logger[target]({ ...meta }, message);
  };
  try {
    Runtime.install({
      shutdownSignals: [],
      logger: {
        log: forward,
        trace: (m, meta) => forward('TRACE', m, meta),
        debug: (m, meta) => forward('DEBUG', m, meta),
        info: (m, meta) => forward('INFO', m, meta),
        warn: (m, meta) => forward('WARN', m, meta),
        error: (m, meta) => forward('ERROR', m, meta),
      },
    });
  } catch {
    // Already installed in this process (tests create several workers): keep the first.
  }
}
