/**
 * `npx tsx scripts/bench/tracingCost.ts [rounds] [copies]`: what the workflow tracing interceptors
 * (workflows/interceptors.ts) cost inside the workflow sandbox, the one part of tracing that runs
 * whether traces are exported or not (docs/observability.md "Traces"). Replays every recorded history
 * (test/histories) `copies` times with the workflow bundle without the interceptors and with them,
 * alternately for `rounds` rounds, in one process, and prints the median CPU time per workflow task.
 * Replay runs the workflow code of every task and no I/O: what differs is the interceptors' work.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, Runtime, Worker } from '@temporalio/worker';
import { bundleDeliveryWorkflows, quietBundlerLogger } from '../../worker/bundle';
import { FAILURE_CONVERTER_PATH } from '../../security/dataConverter';

const HISTORIES = path.resolve(__dirname, '../../test/histories');

async function replayAll(code: string, histories: temporal.api.history.v1.IHistory[]): Promise<number> {
  // CPU time of the process (the workflow threads included): the machine is shared, wall time is not ours.
  const started = process.cpuUsage();
  const items = histories.map((history, i) => ({ workflowId: `replay-${i}`, history }));
  for await (const result of Worker.runReplayHistories({ workflowBundle: { code } }, items)) {
    if (result.error) throw result.error;
  }
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5);
  const copies = Number(process.argv[3] ?? 20);
  Runtime.install({
    logger: {
      log: () => undefined,
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    },
  });
  const files = readdirSync(HISTORIES).filter((f) => f.endsWith('.json'));
  const one = files.map((f) => historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES, f), 'utf8'))));
  const histories = Array.from({ length: copies }, () => one).flat();
  const tasks = histories.reduce(
    (n, h) => n + (h.events ?? []).filter((e) => e.workflowTaskCompletedEventAttributes).length,
    0,
  );
  const [untraced, traced] = await Promise.all([
    bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows'),
      failureConverterPath: FAILURE_CONVERTER_PATH,
      logger: quietBundlerLogger,
    }).then((b) => b.code),
    bundleDeliveryWorkflows(),
  ]);
  const times = { untraced: [] as number[], traced: [] as number[] };
  await replayAll(traced, one); // warm-up: V8 and the replay worker
  for (let r = 0; r < rounds; r += 1) {
    times.untraced.push(await replayAll(untraced, histories));
    times.traced.push(await replayAll(traced, histories));
  }
  const perTask = (ms: number) => ((ms * 1000) / tasks).toFixed(0);
  const u = median(times.untraced);
  const t = median(times.traced);
  console.log(
    `${histories.length} histories (${files.length} recorded x ${copies}), ${tasks} workflow tasks, ${rounds} rounds, median:\n` +
      `  without interceptors: ${u.toFixed(0)} ms CPU (${perTask(u)} us per workflow task)\n` +
      `  with interceptors:    ${t.toFixed(0)} ms CPU (${perTask(t)} us per workflow task), ${(t / u).toFixed(2)}x\n` +
      `  bundle: ${(untraced.length / 1024).toFixed(0)} KB without, ${(traced.length / 1024).toFixed(0)} KB with`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
