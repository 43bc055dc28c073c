/**
 * `GET /labels/{serviceId}/{package}.{pdf|zpl}?expires=..&signature=..`: a package's shipping label
 * (`all`: every package, one page each), rendered on request from the delivery as Temporal holds it
 * (docs/labels.md). No token: the signed URL is the credential (labels/sign.ts). A missing, altered
 * or expired signature is a bare 403, an unknown delivery or package a bare 404: nothing tells a
 * guesser which part was wrong. The label is never stored and never logged.
 */
import { Router, type Response } from 'express';
import { packageLabels } from '../../mapping/labelContent';
import type { LabelFormat, LabelPackage, LabelSigner } from '../../security/labelSigning';
import { SERVICE_ID_PATTERN } from '../../mapping/ids';
import { HttpError } from '../errors';
import { renderLabelZpl } from './zpl';
import { renderLabelPdf } from './pdf';
import type { LabelSource } from './source';

export interface LabelRouteDeps {
  signer: LabelSigner;
  source: LabelSource;
  carrierName: string;
  logo?: Buffer;
}

/** A package number this long is no package of ours (VTEX_LIMITS.packages is far under it). */
const FILE_PATTERN = /^(all|[1-9]\d{0,3})\.(pdf|zpl)$/;

const forbidden = () => new HttpError(403, 'Forbidden');
const missing = () => new HttpError(404, 'Not found');

export function labelRoutes({ signer, source, carrierName, logo }: LabelRouteDeps): Router {
  const router = Router();
  router.get('/:serviceId/:file', async (req, res) => {
    const { serviceId, file } = req.params as { serviceId: string; file: string };
    const expires = typeof req.query.expires === 'string' ? req.query.expires : '';
    const signature = typeof req.query.signature === 'string' ? req.query.signature : '';
    const match = FILE_PATTERN.exec(file);
    if (!match || !SERVICE_ID_PATTERN.test(serviceId) || !/^\d{1,12}$/.test(expires)) throw forbidden();
    const pkg: LabelPackage = match[1] === 'all' ? 'all' : Number(match[1]);
    const format = match[2] as LabelFormat;
    if (signer.check({ serviceId, package: pkg, format }, Number(expires), signature) !== 'valid') throw forbidden();

    const delivery = await source(serviceId);
    if (!delivery) throw missing();
    const all = packageLabels(delivery.input, { job: delivery.view?.job, status: delivery.status }, carrierName);
    const labels = pkg === 'all' ? all : all.filter((l) => l.number === pkg);
    if (labels.length === 0) throw missing();

    const name = `${serviceId}-${pkg}.${format}`;
    if (format === 'pdf') send(res, 'application/pdf', name, await renderLabelPdf(labels, logo ? { logo } : {}));
    else send(res, 'text/plain; charset=utf-8', name, renderLabelZpl(labels));
  });
  return router;
}

function send(res: Response, type: string, filename: string, body: Buffer | string): void {
  // Personal data: kept by no cache or proxy, shown to no search engine, leaked to no referred site.
  res.set({
    'content-type': type,
    'content-disposition': `inline; filename="${filename}"`,
    'cache-control': 'no-store',
    'x-robots-tag': 'noindex',
    'referrer-policy': 'no-referrer',
  });
  res.status(200).send(body);
}

/** A label URL's signature opens the label for a day and more: a credential, kept out of request logs. */
export function withoutLabelSignature(url: string): string {
  return url.startsWith('/labels/') ? url.replace(/([?&]signature=)[^&]*/, '$1[redacted]') : url;
}
