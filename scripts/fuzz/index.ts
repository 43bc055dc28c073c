/**
 * `npm run fuzz [-- --runs N --seed S]`: the bad-input run at full count (10,000 requests by
 * default) against the API and worker as their own processes and a dev server of its own
 * (or TEMPORAL_ADDRESS). Prints the figures and every failure class; exits 1 when any property broke.
 */
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { describeFuzz, runFuzz } from './run';
import { startFuzzStack } from './stack';

const positive = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive whole number');
  return n;
};

async function main(): Promise<void> {
  const program = new Command('fuzz')
    .description(
      'Generated and mutated requests over every intake endpoint: no 5xx, answers within 1 s, 4xx naming the field, nothing started for a rejected request, memory flat.',
    )
    .option('--runs <n>', 'requests to generate', positive, 10_000)
    .option('--seed <n>', 'fast-check seed (the same seed replays the same requests)', positive, 18)
    .option('--json <file>', 'also write the result as JSON')
    .parse();
  const opts = program.opts<{ runs: number; seed: number; json?: string }>();
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const stack = await startFuzzStack({
    ...(process.env.TEMPORAL_ADDRESS ? { temporalAddress: process.env.TEMPORAL_ADDRESS } : {}),
    log,
  });
  try {
    const result = await runFuzz({
      runs: opts.runs,
      seed: opts.seed,
      apiUrl: stack.apiUrl,
      tokenFor: stack.tokenFor,
      client: stack.client,
      apiPid: stack.apiPid,
      context: stack.context,
      log,
    });
    log(describeFuzz(result));
    if (opts.json) writeFileSync(opts.json, JSON.stringify(result, null, 1));
    process.exitCode = result.failures.length > 0 || !result.memory.flat ? 1 : 0;
  } finally {
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(2);
});
