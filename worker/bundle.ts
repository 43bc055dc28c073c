/**
 * The delivery workflows' bundle, built one way for every place that builds it ahead of the worker
 * (the Docker image, the test setup, the bench, the chaos and fuzz runs, the cluster): always with
 * the worker's failure converter inside (security/failureConverter.ts), so failures the workflow
 * writes are encrypted like every payload, and the tracing interceptors (workflows/interceptors.ts),
 * so every worker and the replay tests run the same workflow code, traced or not.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_INTERCEPTORS_PATH } from '../observability/tracing';
import { FAILURE_CONVERTER_PATH } from '../security/dataConverter';

/** The bundler's logger: quiet, but for warnings and errors on stderr. */
export const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`[bundle] ${message}\n`),
  error: (message: string) => process.stderr.write(`[bundle] ${message}\n`),
};

/** Bundles the workflows of `workflowsPath` (default: the delivery workflows) and returns the code. */
export async function bundleDeliveryWorkflows(workflowsPath = require.resolve('../workflows')): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    workflowInterceptorModules: [WORKFLOW_INTERCEPTORS_PATH],
    logger: quietBundlerLogger,
  });
  return code;
}
