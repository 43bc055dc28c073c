/**
 * A caller of the intake API in a process of its own, as VTEX is: the time it measures for each call
 * is not stretched by the sandboxes and the test runner sharing its event loop.
 *
 * `callInOwnProcess` runs this file as a child: the calls (one JSON body each, all to one path)
 * go out `concurrency` at a time; each result is the status, the answer and the milliseconds from
 * the moment the call was sent to the moment its whole answer was read.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';

export interface LoadCall {
  status: number;
  ms: number;
  body: any;
}

interface LoadPlan {
  url: string;
  token: string;
  concurrency: number;
  bodies: unknown[];
}

export async function callInOwnProcess(plan: LoadPlan): Promise<LoadCall[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', __filename], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.stdin.end(JSON.stringify(plan));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the load caller exited ${code}: ${stderr}`);
  return JSON.parse(stdout) as LoadCall[];
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += (chunk as Buffer).toString();
  return text;
}

function post(agent: http.Agent, plan: LoadPlan, payload: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      plan.url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          authorization: `Bearer ${plan.token}`,
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

async function main(): Promise<void> {
  const plan = JSON.parse(await readStdin()) as LoadPlan;
  const payloads = plan.bodies.map((b) => JSON.stringify(b));
  const results: LoadCall[] = new Array(payloads.length);
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.concurrency });
  let next = 0;
  const caller = async () => {
    while (next < payloads.length) {
      const i = next++;
      const started = performance.now();
      const { status, text } = await post(agent, plan, payloads[i]!);
      const ms = performance.now() - started;
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      results[i] = { status, ms, body };
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, caller));
  process.stdout.write(JSON.stringify(results));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
