import { Writable } from 'node:stream';
import { createLogger } from '../../observability/logger';
import { seedDeliveryRequest } from '../support/abbiamoEvents';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), text: () => lines.join('') };
}

describe('log redaction of Abbiamo secrets', () => {
  const event: Record<string, any> = {
    ...seedDeliveryRequest(),
    logistic_data: { headers: { Authorization: 'Bearer log-secret-1', 'X-Api-Key': 'log-secret-2' } },
  };
  const target = { platform: 'marketplace', deliveryId: 'd-1', sealedHeaders: 'v1.iv.ciphertext.tag' };

  it('never prints the callback headers of an event, wherever the event sits in a log line', () => {
    const { logger, text } = capture();
    logger.info(event, 'event at the top');
    logger.info({ event }, 'event one level down');
    logger.info({ req: { body: event } }, 'event two levels down');
    logger.info({ headers: event.logistic_data.headers }, 'headers alone');
    logger.info({ call: { headers: event.logistic_data.headers } }, 'headers of a call');
    expect(text()).not.toContain('log-secret-1');
    expect(text()).not.toContain('log-secret-2');
  });

  it('does not print sealed headers either, nor the customer', () => {
    const { logger, text } = capture();
    logger.info({ target }, 'target');
    logger.info({ input: { report: target } }, 'input');
    logger.info({ delivery: event.deliveries[0] }, 'delivery');
    expect(text()).not.toContain('ciphertext');
    expect(text()).not.toContain('07073877014');
  });
});
