/**
 * The tracking hook's URL path is built from the delivery's carrierId and serviceId: whatever they
 * hold, our JWT only ever goes to that delivery's own path at VTEX. Real HTTP, to a loopback server
 * that records the path it was asked for.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { createHttpClient } from '../../activities/http';
import { createVtexActivities } from '../../activities/vtex';
import type { VtexTokenCache } from '../../activities/vtexToken';

let server: http.Server;
let baseUrl: string;
const seen: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"message":"ok"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod/v1`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen.length = 0;
});

const tokens = { get: async () => 'jwt', invalidate: () => undefined } as unknown as VtexTokenCache;
const activities = () => createVtexActivities({ tracking: createHttpClient('VTEX', baseUrl), tokens });

describe('tracking hook paths', () => {
  it.each([
    ['..', 'vtex-SLR-1-aaaaaaaaaa'],
    ['.', 'vtex-SLR-1-aaaaaaaaaa'],
    ['servientrega', '..'],
    ['', 'vtex-SLR-1-aaaaaaaaaa'],
  ])(
    'refuses carrierId %j / serviceId %j without sending anything (a dot segment moves the path)',
    async (carrierId, serviceId) => {
      const call = activities().vtexUpdateService({ platform: 'vtex', carrierId, serviceId }, { status: 'PENDING' });
      await expect(call).rejects.toBeInstanceOf(ApplicationFailure);
      await expect(call).rejects.toMatchObject({ nonRetryable: true, type: 'BadRequest' });
      expect(seen).toEqual([]);
    },
  );

  it('encodes every segment, so an id stays one segment of its own path', async () => {
    await activities().vtexUpdateService(
      { platform: 'vtex', carrierId: 'MTE=/x', serviceId: 'vtex-a.b-aaaaaaaaaa' },
      { status: 'PENDING' },
    );
    await activities().vtexAddNotes({ platform: 'vtex', carrierId: 'c..', serviceId: '%2e%2e' }, [
      { type: 'COMMENT', note: 'n' },
    ]);
    expect(seen).toEqual([
      // A status PATCH reads the service back first (docs/specification.md "Exactly once at VTEX"), on its own path.
      '/prod/v1/tracking/hook/MTE%3D%2Fx/vtex-a.b-aaaaaaaaaa',
      '/prod/v1/tracking/hook/MTE%3D%2Fx/vtex-a.b-aaaaaaaaaa',
      // A post reads the service back first (docs/specification.md "Exactly once at VTEX"), on the same delivery's path.
      '/prod/v1/tracking/hook/c../%252e%252e',
      '/prod/v1/tracking/hook/notes/c../%252e%252e',
    ]);
  });
});
