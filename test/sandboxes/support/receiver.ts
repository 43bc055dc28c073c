/**
 * A tiny stand-in for the service under test, on a free loopback port: records what it receives and
 * answers what the test scripts (e.g. 500 then 200).
 */
import express from 'express';
import { listen, type Listening } from '../../../sandboxes/common/listen';

export interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  at: number;
}

export interface Receiver extends Listening {
  received: Received[];
  /** statuses to answer, in order; when used up, the fallback status (200 unless set) */
  script(statuses: number[]): void;
  setFallbackStatus(status: number): void;
  /** how to answer a given path, as a function of the request body */
  answer(path: string, reply: (body: any) => { status: number; body: unknown }): void;
}

export async function startReceiver(): Promise<Receiver> {
  const app = express();
  app.use(express.json({ limit: '5mb' }));
  const received: Received[] = [];
  let scripted: number[] = [];
  const answers = new Map<string, (body: any) => { status: number; body: unknown }>();
  const state = { fallbackStatus: 200 };
  app.use((req, res) => {
    received.push({ path: req.path, headers: req.headers, body: req.body, at: Date.now() });
    const custom = answers.get(req.path);
    if (custom) {
      const { status, body } = custom(req.body);
      res.status(status).json(body);
      return;
    }
    const status = scripted.length ? scripted.shift()! : state.fallbackStatus;
    res.status(status).json({ ok: status === 200 });
  });
  const listening = await listen(app);
  return Object.assign(listening, {
    received,
    script: (statuses: number[]) => {
      scripted = [...statuses];
    },
    answer: (path: string, reply: (body: any) => { status: number; body: unknown }) => {
      answers.set(path, reply);
    },
    setFallbackStatus: (status: number) => {
      state.fallbackStatus = status;
    },
  });
}
