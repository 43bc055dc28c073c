/**
 * A workflow whose every workflow task fails (a plain Error in workflow code fails the task, and
 * Temporal retries it for ever): what a delivery hit by a nondeterminism error looks like from
 * outside, for the chaos checker's test (test/integration/wedgedWorkflowTask.test.ts).
 */
export async function wedgedWorkflow(): Promise<void> {
  throw new Error('this workflow task fails on purpose, every attempt');
}
