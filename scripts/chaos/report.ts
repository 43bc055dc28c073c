/** CHAOS.md: what a chaos run did and what the checker found, with the machine and the command. */
import os from 'node:os';
import { percentile, type FindingClass } from './checker';
import type { ChaosResult } from './run';

const CLASS_MEANING: Record<FindingClass, string> = {
  'lost-delivery': 'the platform does not show the end the engine reached (or never heard of the delivery)',
  'lost-report':
    'a note, evidence, on-hold, cancel or agent the engine or an operator produced is missing at the platform',
  'doubled-report': 'the platform holds a report more often than the engine produced it',
  'report-after-end': 'a report of an event that came after the delivery ended reached the platform',
  'early-call': 'a tracking call reached VTEX before the 5 s confirmation of the Create answer',
  'orphan-job': 'the platform canceled, the engine job is still live',
  'doubled-job': 'more than one engine job for one delivery',
  'shared-job': 'the delivery holds a job created for another delivery',
  'slow-cancel':
    'the platform cancel never reached the engine job while the run watched (how long the others took is a figure)',
  'wedged-workflow-task':
    "an open workflow's task fails with a nondeterminism error, or fails attempt after attempt: the delivery stands still",
  'creation-hot-loop': 'POST /jobs repeated without backoff while the engine refused it',
  'canceled-on-refusal':
    'the platform refused calls (404 for a while, a final report for good) and the delivery was canceled',
  'refusal-not-flagged':
    'the platform refused the final report for good and the run never saw the ended delivery kept open, flagged and holding it',
  unfinished:
    'the delivery was still open when the run stopped waiting for it (not counted lost: its missing reports may yet come)',
};

/** Which known way of losing or doubling a report a finding class on a life kind points at. */
function holeOf(cls: FindingClass, kind: string, what = ''): string {
  if (cls === 'creation-hot-loop') return 'Creation hot loop';
  if (cls === 'wedged-workflow-task') return 'Deliveries whose own history no longer replays';
  if (cls === 'unfinished') return '(throughput under chaos, see Result)';
  if (cls === 'early-call')
    return '(new) a Create answer lost in transit: VTEX retries after the workflow already counted it confirmed';
  if (cls === 'lost-report' && (kind === 'vtex-cancel-in-flight' || kind === 'cancel-behind-refused-reports'))
    return '(new) a cancel handled ahead of the events that reached us before it (creation branch): their notes and labels never reach VTEX';
  if (cls === 'orphan-job' || kind === 'cancel-during-creation') return 'Orphan jobs';
  if (cls === 'slow-cancel' || kind === 'cancel-behind-refused-reports') return 'Commands stuck behind reports';
  if (cls === 'shared-job' || kind === 'shared-reference') return 'Shared job references';
  if (
    cls === 'lost-delivery' &&
    (/VTEX shows CANCELED, the engine's truth is (DELIVERED|RETURNED)/.test(what) || what.includes('(last: CANCELED)'))
  )
    return 'Orphan jobs (creation gave up while its job existed at the engine: the driver carried an order the platform was told is canceled)';
  if (cls === 'lost-delivery' && what.includes('no engine job of its own'))
    return "(throughput) no job within the run's 10 min wait: creation slower than CREATION_GRACE_MS under this load, the delivery gave up";
  if (cls === 'lost-delivery' && kind === 'vtex-cancel-in-flight')
    return 'Commands stuck behind reports (a report queued before the cancel goes out after it)';
  if (
    (cls === 'doubled-report' || cls === 'lost-report') &&
    (kind === 'task-resets' ||
      kind === 'operator-on-hold' ||
      kind.startsWith('pause') ||
      kind === 'vtex-pause-in-flight')
  )
    return 'Exactly-once where VTEX has no idempotency key';
  if (cls === 'doubled-report') return 'Exactly-once where VTEX has no idempotency key';
  if (cls === 'canceled-on-refusal' || cls === 'refusal-not-flagged') return 'Reports the platform refuses';
  return '(not one of the listed holes)';
}

const ms = (v: number | undefined) => (v === undefined ? 'n/a' : `${Math.round(v).toLocaleString('en-US')} ms`);
const s = (v: number) => `${Math.floor(v / 60_000)} min ${Math.round((v % 60_000) / 1000)} s`;

export function chaosMarkdown(result: ChaosResult, command: string): string {
  const v = result.verdict;
  const latency = v.eventToPlatformMs;
  const injected = Object.entries(result.faults).sort(([a], [b]) => a.localeCompare(b));
  const cpu = os.cpus();
  const lines: string[] = [];
  lines.push('# The chaos run', '');
  lines.push(
    'What `npm run chaos` did to the delivery bridge and what it found. The run drives full delivery lives through the',
    "intake (VTEX Create service, Abbiamo DELIVERY_REQUEST) and the engine sandbox's events, with platform cancels",
    'and pauses in flight, while it kills processes and makes the partners misbehave; at the end it compares, for every',
    "delivery, what the VTEX and Abbiamo sandboxes hold with the engine's truth (`scripts/chaos/checker.ts`).",
    '',
    `**This run: ${v.deliveries.toLocaleString('en-US')} deliveries** (\`${command}\`, seed ${result.options.seed}).`,
    '',
  );
  lines.push('## Result', '');
  lines.push('| figure | value |', '|---|---|');
  lines.push(`| deliveries | ${v.deliveries} |`);
  lines.push(`| engine events | ${v.events} (webhook attempts ${result.webhookAttempts}) |`);
  lines.push(
    `| reports checked one by one (notes, evidences, on-holds, carrier cancels; statuses are checked as the final status) | ${v.checkedItems.required} exactly once, ${v.checkedItems.optional} at most once (raced the end) |`,
  );
  lines.push(`| **lost deliveries** | **${v.lostDeliveries}** |`);
  lines.push(`| **lost reports** | **${v.lostReports}** |`);
  lines.push(`| deliveries still open when the run stopped waiting (not counted lost) | ${v.unfinished} |`);
  lines.push(
    `| **doubled reports** | **${v.doubledReports}** (of which after the end: ${v.byClass['report-after-end'] ?? 0}) |`,
  );
  lines.push(
    `| other findings | ${
      Object.entries(v.byClass)
        .filter(
          ([c]) => !['lost-delivery', 'lost-report', 'doubled-report', 'report-after-end', 'unfinished'].includes(c),
        )
        .map(([c, n]) => `${c} ${n}`)
        .join(', ') || 'none'
    } |`,
  );
  lines.push(
    `| event to platform, p50 / p99 / max | ${ms(percentile(latency, 50))} / ${ms(percentile(latency, 99))} / ${ms(percentile(latency, 100))} (${latency.length} reports; lives with a deliberate refusal left out) |`,
    `| platform cancel to engine job, p50 / p99 / max | ${ms(percentile(v.cancelToEngineMs, 50))} / ${ms(percentile(v.cancelToEngineMs, 99))} / ${ms(percentile(v.cancelToEngineMs, 100))} (${v.cancelToEngineMs.length} cancels; a worker or Temporal kill costs a task up to 20 s) |`,
  );
  lines.push(`| continued as new | ${v.continuedAsNew} deliveries (up to run ${v.maxRun}) |`);
  // Runs recorded before the settle stopped the faults have no such list.
  const recovered = result.openWhenFaultsStopped ?? [];
  lines.push(
    `| still open when the settle stopped the partners' faults (each then ended, or is counted unfinished above) | ${recovered.length} |`,
    `| wall time | ${s(result.wallMs)} (lives ${s(result.driveMs)}, settling ${s(result.settleMs)}${result.settled ? '' : ', NOT settled: some deliveries still open once the faults had stopped'}) |`,
  );
  lines.push('');
  lines.push('## Faults injected', '');
  lines.push('| kind | count |', '|---|---|');
  const back = (name: string) => {
    const list = result.kills.restartMs[name] ?? [];
    return list.length ? `; back after ${ms(percentile(list, 50))} median, ${ms(percentile(list, 100))} at most` : '';
  };
  lines.push(
    `| worker SIGKILLed and restarted | ${result.kills.worker} (every ${result.options.workerKillEveryMs / 1000} s once back${back('worker')}) |`,
  );
  lines.push(
    `| intake API SIGKILLed and restarted | ${result.kills.api} (at random, about every ${result.options.apiKillEveryMs / 1000} s${back('api')}) |`,
  );
  lines.push(
    `| Temporal dev server SIGKILLed, restarted on its SQLite file | ${result.kills.temporal} (outage ${result.kills.temporalOutageMs.map((o) => ms(o)).join(', ') || 'n/a'}) |`,
  );
  lines.push(
    `| VTEX tokens expired | ${result.tokenExpiries} times (every ${result.options.tokenExpiryEveryMs / 1000} s, answered 401 and 403 in turn) |`,
  );
  lines.push(`| slots lapsed before their job (POST /jobs answered 417) | ${result.slotLapses} |`);
  lines.push(`| engine events delivered twice | ${result.duplicatedEvents} |`);
  lines.push(`| engine events delivered out of order | ${result.reorderedEvents} |`);
  for (const [key, n] of injected)
    lines.push(
      `| ${key.replace(' error', ' 5xx').replace(' lost-answer', ' answer lost after the call was carried out').replace(' timeout', ' never answered').replace(' refusal', ' persistent refusal (one delivery)').replace(' delay', ' POST /jobs carried out late')} | ${n} |`,
    );
  lines.push('');
  lines.push(
    `Rates asked: ${result.options.faults.error * 100} % 5xx, ${result.options.faults.timeout * 100} % never answered, ${result.options.faults.lostAnswer * 100} % answer lost (VTEX and engine, every call);`,
    `${result.options.duplicateRate * 100} % of engine events duplicated, ${result.options.reorderRate * 100} % held back to swap with the next; ${result.options.slotLapseRate * 100} % of slots lapse before their job;`,
    `workflows continue as new past ${result.options.continueAsNewAfterEvents} history events.`,
    '',
  );
  lines.push('## Lives', '');
  lines.push('| life | deliveries | with findings |', '|---|---|---|');
  for (const [kind, k] of Object.entries(v.byKind).sort(([a], [b]) => a.localeCompare(b)))
    lines.push(`| ${kind} | ${k.deliveries} | ${k.withFindings} |`);
  lines.push('');
  lines.push('## Corners', '');
  lines.push(
    'Lives planned for a corner, and how many really went through it (a command sent while the worker was down, a',
    'workflow continued as new, a refusal answered, an event of the largest size): kills and timing decide it.',
    '',
  );
  lines.push('| corner | planned | visited | with findings |', '|---|---|---|---|');
  for (const [kind, c] of Object.entries(v.corners).sort(([a], [b]) => a.localeCompare(b)))
    lines.push(`| ${kind} | ${c.planned} | ${c.visited} | ${v.byKind[kind]?.withFindings ?? 0} |`);
  lines.push('', `Largest engine event the webhook carried: ${v.largestEventBytes.toLocaleString('en-US')} bytes.`, '');
  lines.push('## Findings', '');
  if (v.findings.length === 0)
    lines.push('None: every delivery shows at the platform exactly what the engine produced.', '');
  else {
    lines.push('| class | life | the hole it points at | deliveries | example |', '|---|---|---|---|---|');
    const groups = new Map<string, typeof v.findings>();
    for (const f of v.findings) {
      const key = `${f.class}\u0000${f.kind}\u0000${holeOf(f.class, f.kind, f.what)}`;
      groups.set(key, [...(groups.get(key) ?? []), f]);
    }
    for (const [key, list] of [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const [cls, kind, hole] = key.split('\u0000') as [FindingClass, string, string];
      const ids = new Set(list.map((f) => f.serviceId));
      lines.push(
        `| ${cls} | ${kind} | ${hole} | ${ids.size} | \`${list[0]!.serviceId}\`: ${list[0]!.what.replace(/\|/g, '\\|')} |`,
      );
    }
    lines.push('', 'Classes:', '');
    for (const cls of Object.keys(v.byClass) as FindingClass[]) lines.push(`- **${cls}**: ${CLASS_MEANING[cls]}.`);
    lines.push('');
  }
  lines.push('## Machine and command', '');
  lines.push(`- Command: \`${command}\``);
  lines.push(
    `- Machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}; shared with other work during the run (load average at the end ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')})`,
  );
  lines.push(
    `- Seed ${result.options.seed}, ${result.options.rate} deliveries started per second, steps ${result.options.stepMs[0]}-${result.options.stepMs[1]} ms apart; logs of the API and worker in \`${result.workDir}\``,
  );
  lines.push('');
  return lines.join('\n');
}
