/** TfeError (src/tfe/errors.ts) -> TFE's JSON:API error: 422 with source.pointer, or 404. */
import type { Response } from 'express';
import type { TfeError } from '../../tfe/errors.ts';
import { sendErrors, sendNotFound } from './jsonapi.ts';

export function sendTfeError(res: Response, err: TfeError): void {
  if (err.code === 'not-found') return sendNotFound(res);
  sendErrors(res, 422, [{
    status: '422',
    title: err.code === 'conflict' ? 'conflict' : 'invalid attribute',
    detail: err.message,
    ...(err.field ? { source: { pointer: `/data/attributes/${err.field}` } } : {}),
  }]);
}
