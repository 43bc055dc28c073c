/**
 * api/eventForWorkflow.ts: what of an engine event enters the delivery's workflow. Whatever the job
 * carries, the readers the workflow uses (contracts/instaleapChoices.ts) read the same from the
 * trimmed event as from the whole one, the event stays within its bounds, and what is left out
 * that a reader would have used is named.
 */
import { JobEvent } from '../../contracts/deliveryEngine';
import {
  deliveryCodeOf,
  driverOf,
  driverPositionOf,
  etaOf,
  evidencesOf,
  trackingUrlOf,
  type JobLike,
} from '../../contracts/instaleapChoices';
import { EVENT_BOUNDS, eventForWorkflow } from '../../api/eventForWorkflow';
import { rng } from '../../scripts/chaos/lives';

const readers = (job: JobLike) => ({
  driver: driverOf(job),
  position: driverPositionOf(job),
  pin: deliveryCodeOf(job),
  tracking: trackingUrlOf(job),
  eta: etaOf(job),
  evidences: evidencesOf(job),
});

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** A resource in one of the shapes a job's task may carry it, or none. */
function resource(random: () => number, i: number): unknown {
  switch (Math.floor(random() * 8)) {
    case 0:
      return `driver-${i}`;
    case 1:
      return { id: `driver-${i}`, name: `Driver ${i}`, phone_number: '+5511999990000', vehicle: 'MOTORCYCLE' };
    case 2:
      return { id: i, vehicle: { type: 'CAR' }, location: { latitude: -23.5 + random(), longitude: -46.6 } };
    case 3:
      return { name: 'no id', latitude: -23.55, longitude: -46.63 };
    case 4:
      return { id: `driver-${i}`, latitude: 0, longitude: 0 };
    case 5:
      return '';
    case 6:
      return null;
    default:
      return undefined;
  }
}

const LONG = 'Observação do separador: caixa térmica, não empilhar. '.repeat(70);

function randomEvent(random: () => number, n: number): JobEvent {
  const tasks = Array.from({ length: Math.floor(random() * 40) }, (_, i) => ({
    id: `task-${i}`,
    type: random() < 0.5 ? 'PICKING' : 'DELIVERY',
    state: 'DONE',
    resource: resource(random, i),
    comment: LONG,
    steps: [{ id: `step-${i}`, state: 'DONE', type: 'PICK', comment: LONG }],
  }));
  const evidences = Array.from({ length: Math.floor(random() * 6) }, (_, i) =>
    random() < 0.2
      ? { type: 'TEXT', content: '' }
      : { type: 'IMAGE', content: `https://proof.example/${n}/${i}.jpg`, author: 'driver' },
  );
  return JobEvent.parse({
    id: `event-${n}`,
    type: 'CLIENT_RECEIVED',
    created_at: '2026-12-06T12:00:00.000Z',
    job: {
      id: `job-${n}`,
      client_reference: `vtex-order-${n}`,
      state: 'FINISHED',
      tasks,
      ...(random() < 0.7 ? { delivery_code: '4821' } : {}),
      ...(random() < 0.7 ? { tracking_url: `https://track.example/${n}` } : {}),
      ...(random() < 0.7 ? { eta: '2026-12-06T15:00:00-03:00' } : {}),
      ...(random() < 0.7 ? { evidences } : {}),
    },
  });
}

describe('eventForWorkflow', () => {
  it('gives the workflow the same driver, position, PIN, tracking page, eta and proofs as the whole job', () => {
    const random = rng(2026);
    for (let n = 0; n < 500; n += 1) {
      const event = randomEvent(random, n);
      const trimmed = eventForWorkflow(event);
      expect(readers(trimmed.job)).toEqual(readers(event.job));
      expect(trimmed.trimmed).toBeUndefined();
      expect(trimmed).toMatchObject({ id: event.id, type: event.type, created_at: event.created_at });
      expect(trimmed.job).toMatchObject({ id: event.job.id, client_reference: event.job.client_reference });
    }
  });

  it('keeps an event of about 1 MB (the webhook body limit) to a few KB', () => {
    const random = rng(7);
    const event = randomEvent(random, 1);
    const tasks = event.job.tasks ?? [];
    const filler = (i: number) => ({ id: `filler-${i}`, type: 'PICKING', resource: null, comment: LONG });
    const fillers = Array.from({ length: Math.ceil(1_000_000 / bytes(filler(0))) }, (_, i) => filler(i));
    event.job.tasks = [...fillers, ...tasks];
    expect(bytes(event)).toBeGreaterThan(1_000_000);
    const trimmed = eventForWorkflow(event);
    expect(bytes(trimmed)).toBeLessThan(5_000);
    expect(readers(trimmed.job)).toEqual(readers(event.job));
  });

  it('names what a reader would have used and that is over its bound, and keeps the rest', () => {
    const proofs = Array.from({ length: EVENT_BOUNDS.evidences + 2 }, (_, i) => ({
      type: 'IMAGE',
      content: `https://proof.example/${i}.jpg`,
    }));
    proofs[1] = { type: 'IMAGE', content: `data:image/jpeg;base64,${'A'.repeat(EVENT_BOUNDS.evidenceChars)}` };
    const trackingUrl = `https://track.example/${'x'.repeat(EVENT_BOUNDS.urlChars)}`;
    const event = JobEvent.parse({
      id: 'event-big',
      type: 'CLIENT_RECEIVED',
      created_at: '2026-12-06T12:00:00.000Z',
      job: {
        id: 'job-big',
        client_reference: 'vtex-order-big',
        tasks: [{ id: 't', resource: { id: 'driver-1', name: 'N'.repeat(EVENT_BOUNDS.fieldChars + 1) } }],
        tracking_url: trackingUrl,
        evidences: proofs,
      },
    });
    const trimmed = eventForWorkflow(event);
    expect(trimmed.trimmed).toEqual([
      `job.tasks[0].resource.name (${EVENT_BOUNDS.fieldChars + 1} characters, at most ${EVENT_BOUNDS.fieldChars})`,
      `job.tracking_url (${trackingUrl.length} characters, at most ${EVENT_BOUNDS.urlChars})`,
      `job.evidences[1].content (${proofs[1].content.length} characters, at most ${EVENT_BOUNDS.evidenceChars})`,
      `job.evidences[11] (past the first ${EVENT_BOUNDS.evidences})`,
    ]);
    expect(driverOf(trimmed.job)).toEqual({ id: 'driver-1' });
    expect(trackingUrlOf(trimmed.job)).toBeUndefined();
    expect(evidencesOf(trimmed.job).map((e) => e.content)).toEqual(
      proofs
        .filter((_, i) => i !== 1)
        .slice(0, EVENT_BOUNDS.evidences)
        .map((p) => p.content),
    );
  });

  it('carries an id over its bound as a digest: the same id gives the same digest, two ids two digests', () => {
    const base = { type: 'ALLOCATED', created_at: '2026-12-06T12:00:00.000Z' };
    const job = { id: 'job-1', client_reference: 'vtex-order-1' };
    const long = 'e'.repeat(EVENT_BOUNDS.idChars + 1);
    const a = eventForWorkflow(JobEvent.parse({ ...base, id: long, job }));
    const again = eventForWorkflow(JobEvent.parse({ ...base, id: long, job }));
    const other = eventForWorkflow(JobEvent.parse({ ...base, id: `${long}f`, job }));
    expect(a.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(again.id).toBe(a.id);
    expect(other.id).not.toBe(a.id);
    expect(eventForWorkflow(JobEvent.parse({ ...base, id: 'short', job })).id).toBe('short');
  });
});
