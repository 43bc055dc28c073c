import {
  abbiamoServiceId,
  SERVICE_ID_PATTERN,
  strayJobWorkflowId,
  vtexServiceId,
  VTEX_SERVICE_ID_PATTERN,
} from '../../mapping/ids';

describe('service ids', () => {
  it('derive the same VTEX serviceId from the same carrier and order, and differ otherwise', () => {
    const id = vtexServiceId('servientrega-50461c9f3335', 'SLR-29384924-01');
    expect(id).toBe(vtexServiceId('servientrega-50461c9f3335', 'SLR-29384924-01'));
    expect(id).toMatch(/^vtex-SLR-29384924-01-[a-z2-7]{10}$/);
    expect(vtexServiceId('other-carrier', 'SLR-29384924-01')).not.toBe(id);
    // The separator cannot be forged by moving characters between carrier and order.
    expect(vtexServiceId('a-b', 'c')).not.toBe(vtexServiceId('a', 'b-c'));
  });

  it('keep ids URL-safe whatever the order id holds', () => {
    const id = vtexServiceId('c', 'order/with spaces?&#' + 'x'.repeat(100));
    expect(id).toMatch(SERVICE_ID_PATTERN);
    expect(encodeURIComponent(id)).toBe(id);
  });

  it('name Abbiamo deliveries by their delivery_id', () => {
    expect(abbiamoServiceId('851dc274-e090-4881-8f3c-5b660cecf059')).toBe('mkt-851dc274-e090-4881-8f3c-5b660cecf059');
    expect(abbiamoServiceId('851dc274-e090-4881-8f3c-5b660cecf059')).toMatch(SERVICE_ID_PATTERN);
  });
});

describe('stray-job workflow ids', () => {
  it('are `stray-job-<jobId>` for an ordinary job id', () => {
    expect(strayJobWorkflowId('job-123')).toBe('stray-job-job-123');
  });

  it('stay far under Temporal workflow-id limit (1,000 bytes) whatever the job id, one per job', () => {
    const long = 'j'.repeat(5000);
    const wide = '漢'.repeat(400); // 1,200 bytes in UTF-8 in 400 characters
    for (const jobId of [long, `${long}x`, wide])
      expect(Buffer.byteLength(strayJobWorkflowId(jobId))).toBeLessThan(256);
    expect(strayJobWorkflowId(long)).not.toBe(strayJobWorkflowId(`${long}x`));
    expect(strayJobWorkflowId(long)).toBe(strayJobWorkflowId('j'.repeat(5000)));
    expect(strayJobWorkflowId(long).startsWith('stray-job-jjjj')).toBe(true);
  });
});

describe("an order's later services", () => {
  it('keep the first serviceId as it was, and give each later one its own, all VTEX-shaped', () => {
    expect(vtexServiceId('c', 'SLR-1', 1)).toBe(vtexServiceId('c', 'SLR-1'));
    const ids = [1, 2, 3].map((n) => vtexServiceId('c', 'SLR-1', n));
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(VTEX_SERVICE_ID_PATTERN);
    expect(ids.every((id) => id.startsWith('vtex-SLR-1-'))).toBe(true);
  });
});
