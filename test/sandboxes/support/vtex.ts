import { call } from './http';

export async function tokenFrom(url: string, apiKey: string): Promise<string> {
  const reply = await call('POST', `${url}/token`, { body: { apiKey } });
  if (reply.status !== 200) throw new Error(`POST /token answered ${reply.status}`);
  return typeof reply.body === 'string' ? reply.body : reply.body.data;
}
