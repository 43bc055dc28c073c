import { Writable } from 'node:stream';
import { createLogger } from '../../observability/logger';

describe('the delivery PIN in logs', () => {
  it('is never printed, whether a view, a job or an engine answer carries it', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ level: 'info', destination });
    logger.info({ deliveryCode: '4711' }, 'top');
    logger.info({ job: { jobId: 'j-1', deliveryCode: '4712' } }, 'job');
    logger.info({ view: { job: { jobId: 'j-1', deliveryCode: '4713' } } }, 'view');
    logger.info({ res: { job_id: 'j-1', delivery_code: '4714' } }, 'engine answer');
    // Each line without its time and process fields: a millisecond clock holds any four digits now and then.
    const text = lines
      .map((line) => {
        const { time: _time, pid: _pid, hostname: _hostname, ...rest } = JSON.parse(line) as Record<string, unknown>;
        return JSON.stringify(rest);
      })
      .join('\n');
    for (const pin of ['4711', '4712', '4713', '4714']) expect(text).not.toContain(pin);
    expect(text).toContain('j-1');
  });
});
