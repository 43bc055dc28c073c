/**
 * Failure messages and stack traces go into the failure's encoded attributes, a payload, so the
 * codec encrypts them too (a partner's refusal may quote a customer's address). Loaded by path
 * (`failureConverterPath`) because the workflow bundle needs it as well: no Node built-ins here.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
