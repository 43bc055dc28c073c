/**
 * The calls a sandbox makes as the outside world (VTEX creating a service, Abbiamo sending a
 * DELIVERY_REQUEST, the engine's webhooks): one POST with a deadline, answered with what came back.
 */
export interface Answer {
  status: number;
  /** parsed JSON, or the raw text when the answer was not JSON, or null when empty */
  body: unknown;
  answeredAt: string;
  durationMs: number;
}

export class UnreachableError extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`${url} did not answer: ${describe(cause)}`);
    this.name = 'UnreachableError';
  }
}

export async function postJson(
  url: string,
  body: unknown,
  options: { headers?: Record<string, string>; timeoutMs: number; signal?: AbortSignal },
): Promise<Answer> {
  const started = performance.now();
  const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])];
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body: JSON.stringify(body),
      signal: AbortSignal.any(signals),
    });
    text = await response.text();
  } catch (cause) {
    throw new UnreachableError(url, cause);
  }
  return {
    status: response.status,
    body: parseLenient(text),
    answeredAt: new Date().toISOString(),
    durationMs: Math.round((performance.now() - started) * 10) / 10,
  };
}

function parseLenient(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as Error & { cause?: unknown }).cause;
    return inner instanceof Error ? `${cause.message} (${inner.message})` : cause.message;
  }
  return String(cause);
}
